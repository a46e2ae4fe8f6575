import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Fieldsync

// The window: the sync bar, the screens of the device's role on a stack,
// a notice for what worked and a dialog for what the node refused.
ApplicationWindow {
    id: window
    required property App app
    width: 400
    height: 800
    visible: true
    title: "fieldsync"
    font.pixelSize: 18
    Material.theme: Material.Light
    Material.primary: Material.Teal
    Material.accent: Material.Teal

    // Commands asked from a screen, by ticket: {f: f(force) -> ticket, ok(): once done,
    // no(message): once refused (else a refusal is shown here, with "Record anyway" when the node allows it)}.
    property var waiting: ({})
    function attempt(f, ok, no) { waiting[f(false)] = { f: f, ok: ok || null, no: no || null } }
    function open(page, props) { stack.push(page, Object.assign({ app: window.app }, props || {})) }
    // The screens one reaches from a list: "case", "shipment" or "exception", by number.
    function openScreen(name, number) {
        open(name === "case" ? casePage : name === "shipment" ? shipmentPage : exceptionPage, { number: number })
    }

    header: SyncBar {
        app: window.app
        title: stack.currentItem ? stack.currentItem.title : ""
        canGoBack: stack.depth > 1
        onBack: stack.pop()
    }

    StackView {
        id: stack
        objectName: "stack"
        anchors.fill: parent
    }

    function home() {
        if (!app.enrolled) return enrollPage
        switch (app.role) {
        case "technician": return technicianHome
        case "warehouse": return warehouseHome
        case "driver": return driverHome
        default: return supervisorHome
        }
    }
    property Component current: null
    function showHome() {
        if (!app.ready) return
        const c = home()
        if (c === current) return
        current = c
        stack.clear()
        stack.push(c, { app: window.app })
    }
    Component.onCompleted: showHome()
    Connections {
        target: window.app
        function onIdentityChanged() { window.showHome() }
        function onDone(ticket, message) {
            const w = window.waiting[ticket]
            delete window.waiting[ticket]
            if (w && w.ok) w.ok()
            window.notify(message)
        }
        function onFailed(ticket, message, canForce) {
            const w = window.waiting[ticket]
            if (!w) return  // not asked through attempt(): the screen shows it itself
            delete window.waiting[ticket]
            if (w.no) return w.no(message)
            refusal.command = w
            refusal.message = message
            refusal.canForce = canForce
            refusal.open()
        }
        function onGone(message) {
            stack.pop(null)  // back to the home screen: its lists no longer hold it
            window.notify(message)
        }
    }
    function notify(message) {
        notice.text = message
        notice.open()
    }

    Component { id: enrollPage; EnrollPage {} }
    Component { id: technicianHome; TechnicianHome {} }
    Component { id: warehouseHome; WarehouseHome {} }
    Component { id: driverHome; DriverHome {} }
    Component { id: supervisorHome; SupervisorHome {} }
    Component { id: casePage; CasePage {} }
    Component { id: shipmentPage; ShipmentPage {} }
    Component { id: exceptionPage; ExceptionPage {} }

    // What worked, for a moment: no popup, so a tap on the screen beneath still lands there.
    Rectangle {
        id: notice
        objectName: "notice"
        property alias text: noticeText.text
        function open() { visible = true; hide.restart() }
        visible: false
        z: 10
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 96
        width: Math.min(window.width - 32, noticeText.implicitWidth + 32)
        height: noticeText.implicitHeight + 24
        radius: 8
        color: "#323232"
        Label {
            id: noticeText
            anchors.fill: parent
            anchors.margins: 12
            wrapMode: Label.Wrap
            color: "white"
            font.pixelSize: 16
        }
        Timer { id: hide; interval: 3000; onTriggered: notice.visible = false }
    }

    Dialog {
        Material.elevation: 0  // drawn without a shadow layer: see ActionButton.qml
        id: refusal
        objectName: "refusal"
        property string message: ""
        property bool canForce: false
        property var command: null
        anchors.centerIn: parent
        width: Math.min(window.width - 32, 560)
        modal: true
        title: canForce ? qsTr("This device's view disagrees") : qsTr("Not done")
        Label {
            width: parent.width
            wrapMode: Label.Wrap
            text: refusal.message + (refusal.canForce
                  ? "\n\n" + qsTr("If you saw it happen, record it anyway: it is marked as forced and the office reconciles it.")
                  : "")
        }
        footer: DialogButtonBox {
            ActionButton {
                objectName: "forceButton"
                text: qsTr("Record anyway")
                visible: refusal.canForce
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
            }
            ActionButton {
                text: refusal.canForce ? qsTr("Cancel") : qsTr("OK")
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
        }
        onAccepted: {
            const w = command
            command = null
            if (w) window.waiting[w.f(true)] = w
        }
        onRejected: command = null
    }
}
