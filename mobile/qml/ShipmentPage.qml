import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldsync

// One shipment: its lines and tracking; dispatch, out for delivery,
// delivery with the recipient's signature (less what the customer refused,
// with the reason: a partial delivery), a failed attempt with its reason.
Page {
    id: page
    required property App app
    required property string number
    readonly property var s: app.shipmentDetail
    readonly property var next: s.next || []
    readonly property bool wide: width >= Labels.wide
    title: number
    Component.onCompleted: app.openShipment(number)

    function track(status, recipient, reason, png, ok) {
        const serials = refusedSerials.slice(), qty = Object.assign({}, refusedQty)
        ApplicationWindow.window.attempt(
            force => page.app.track(page.number, status, recipient, reason, png, serials, qty, force), ok)
    }
    // What the customer refuses, chosen on the lines before the signature.
    property var refusedSerials: []
    property var refusedQty: ({})  // item code: quantity as typed
    readonly property bool refusing: refusedSerials.length > 0
                                     || Object.keys(refusedQty).some(k => refusedQty[k].trim() !== "")
    readonly property bool delivering: next.indexOf("delivered") >= 0
    readonly property bool idle: app.busy === 0  // one tap, one command

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        GridLayout {
            width: parent.width
            columns: page.wide ? 2 : 1
            columnSpacing: 24
            ColumnLayout {
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: 1  // with fillWidth: equal columns on a tablet
                Layout.fillWidth: true
                Layout.margins: 16
                spacing: 8
                Label { objectName: "shipmentStatus"; text: Labels.status(page.s.status || ""); font.pixelSize: 24; font.bold: true }
                Label { Layout.fillWidth: true; wrapMode: Label.Wrap; text: (page.s.customer || "") + (page.s.site ? " \u00b7 " + page.s.site : "") }
                Label { text: qsTr("From %1").arg(page.s.from || ""); font.pixelSize: 16 }
                Flow {
                    Layout.fillWidth: true
                    spacing: 8
                    Repeater {
                        model: page.next.filter(n => n !== "delivered" && n !== "partially_delivered" && n !== "attempt_failed" && n !== "cancelled")
                        ActionButton {
                            required property string modelData
                            objectName: "track_" + modelData
                            text: Labels.action(modelData)
                            enabled: page.idle
                            onClicked: page.track(modelData, "", "", new ArrayBuffer(0))
                        }
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    visible: page.refusing
                    Label { text: qsTr("Why refused"); font.pixelSize: 16 }
                    ComboBox {
                        id: refusalReason
                        objectName: "refusalReason"
                        Layout.fillWidth: true
                        model: Labels.failReasons.filter(r => r !== "not_home" && r !== "address_wrong")
                        displayText: Labels.reason(currentText)
                        delegate: ItemDelegate {
                            required property string modelData
                            width: ListView.view ? ListView.view.width : 200
                            text: Labels.reason(modelData)
                        }
                    }
                }
                ActionButton {
                    objectName: "deliverButton"
                    Layout.fillWidth: true
                    visible: page.delivering
                    enabled: page.idle
                    highlighted: true
                    text: page.refusing ? qsTr("Deliver the rest with signature") : qsTr("Deliver with signature")
                    onClicked: ApplicationWindow.window.open(signature, {
                        title: qsTr("Proof of delivery of %1").arg(page.number), nameLabel: qsTr("Recipient") })
                }
                RowLayout {
                    Layout.fillWidth: true
                    visible: page.next.indexOf("attempt_failed") >= 0
                    ComboBox {
                        id: reason
                        objectName: "failReason"
                        Layout.fillWidth: true
                        model: Labels.failReasons
                        displayText: Labels.reason(currentText)
                        delegate: ItemDelegate {
                            required property string modelData
                            width: ListView.view ? ListView.view.width : 200
                            text: Labels.reason(modelData)
                        }
                    }
                    ActionButton {
                        objectName: "failButton"
                        text: qsTr("Failed attempt")
                        enabled: page.idle
                        onClicked: page.track("attempt_failed", "", reason.currentText, new ArrayBuffer(0))
                    }
                }
                Label { text: qsTr("Lines"); font.bold: true; Layout.topMargin: 8 }
                Label {
                    visible: page.delivering
                    Layout.fillWidth: true
                    wrapMode: Label.Wrap
                    font.pixelSize: 16
                    text: qsTr("Mark what the customer refuses; the rest is delivered.")
                }
                Repeater {
                    objectName: "shipmentLines"
                    model: page.app.shipmentLines
                    RowLayout {
                        id: line
                        required property int index
                        required property string item
                        required property string serial
                        required property string qty
                        required property string delivered
                        required property string refused
                        required property string returned
                        Layout.fillWidth: true
                        Label {
                            Layout.fillWidth: true
                            wrapMode: Label.Wrap
                            text: line.item + "  " + (line.serial !== "" ? line.serial : "\u00d7 " + line.qty)
                                  + (line.serial === "" ? Labels.lineState(line.delivered, line.refused, line.returned)
                                     : line.returned !== "0" ? " \u00b7 " + qsTr("refused, back in stock")
                                     : line.refused !== "0" ? " \u00b7 " + qsTr("refused") : "")
                        }
                        CheckBox {
                            objectName: "refuse_" + line.serial
                            visible: page.delivering && line.serial !== ""
                            text: qsTr("Refused")
                            onToggled: {
                                const rest = page.refusedSerials.filter(s => s !== line.serial)
                                page.refusedSerials = checked ? rest.concat([line.serial]) : rest
                            }
                        }
                        TextField {
                            objectName: "refuseQty_" + line.item
                            visible: page.delivering && line.serial === ""
                            Layout.preferredWidth: 110
                            placeholderText: qsTr("Refused")
                            inputMethodHints: Qt.ImhFormattedNumbersOnly
                            onTextEdited: {
                                const q = Object.assign({}, page.refusedQty)
                                q[line.item] = text
                                page.refusedQty = q
                            }
                        }
                    }
                }
            }
            ColumnLayout {
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: 1  // with fillWidth: equal columns on a tablet
                Layout.fillWidth: true
                Layout.margins: 16
                Label { text: qsTr("Tracking"); font.bold: true }
                Repeater {
                    model: page.app.shipmentTracking
                    ColumnLayout {
                        required property string when
                        required property string event
                        required property string detail
                        Layout.fillWidth: true
                        spacing: 0
                        Label { text: parent.when + "  " + Labels.status(parent.event); font.pixelSize: 14; color: "#555" }
                        Label { Layout.fillWidth: true; wrapMode: Label.Wrap; text: Labels.reason(parent.detail); visible: text !== ""; font.pixelSize: 16 }
                    }
                }
            }
        }
    }

    Component {
        id: signature
        SignaturePage {
            id: sig
            onSigned: (name, png) => page.track("delivered", name, page.refusing ? refusalReason.currentText : "", png,
                                                () => sig.leave())
        }
    }
}
