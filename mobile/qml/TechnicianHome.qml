import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Fieldsync

// A technician's cases, by status; a unit registered on site.
Page {
    id: page
    required property App app
    title: qsTr("My cases")

    ListView {
        id: list
        objectName: "caseList"
        anchors.fill: parent
        model: page.app.cases
        clip: true
        section.property: "status"
        section.delegate: Label {
            required property string section
            width: ListView.view.width
            padding: 12
            font.bold: true
            font.pixelSize: 16
            color: "#00695c"
            text: Labels.status(section)
        }
        delegate: ItemDelegate {
            id: row
            required property string number
            required property string customer
            required property string site
            required property string problem
            required property string priority
            required property int reopenCount
            width: ListView.view.width
            objectName: "case_" + number
            contentItem: ColumnLayout {
                spacing: 2
                Label {
                    Layout.fillWidth: true
                    text: row.number + " \u00b7 " + row.customer + (row.priority === "urgent" || row.priority === "high" ? "  \u26a0" : "")
                    font.bold: true
                    elide: Label.ElideRight
                }
                Label {
                    Layout.fillWidth: true
                    text: row.problem + (row.reopenCount > 0 ? "  (" + qsTr("reopened %n times", "", row.reopenCount) + ")" : "")
                    elide: Label.ElideRight
                    font.pixelSize: 16
                }
            }
            onClicked: ApplicationWindow.window.openScreen("case", row.number)
        }
        Label {
            anchors.centerIn: parent
            visible: list.count === 0
            width: parent.width - 48
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Label.Wrap
            text: qsTr("No cases on this device yet. They arrive when the office assigns them and the device syncs.")
        }
    }

    ActionButton {
        objectName: "registerUnitButton"
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        anchors.margins: 24
        width: 64
        height: 64
        text: "+"
        font.pixelSize: 28
        highlighted: true
        Accessible.name: qsTr("Register a unit on site")
        onClicked: registerDialog.open()
    }


    Dialog {

        Material.elevation: 0  // drawn without a shadow layer: see ActionButton.qml
        id: registerDialog
        objectName: "registerDialog"
        anchors.centerIn: parent
        width: Math.min(page.width - 32, 560)
        modal: true
        title: qsTr("Register a unit on site")
        property string problem: ""
        ColumnLayout {
            width: parent.width
            ComboBox {
                id: unitItem
                objectName: "unitItem"
                Layout.fillWidth: true
                model: page.app.items
                textRole: "label"
                valueRole: "code"
            }
            TextField { id: unitSerial; objectName: "unitSerial"; Layout.fillWidth: true; placeholderText: qsTr("Serial (scan or type)") }
            TextField { id: unitCustomer; objectName: "unitCustomer"; Layout.fillWidth: true; placeholderText: qsTr("Customer") }
            TextField { id: unitSite; objectName: "unitSite"; Layout.fillWidth: true; placeholderText: qsTr("Site") }
            Label { Layout.fillWidth: true; wrapMode: Label.Wrap; color: "#b00020"; text: registerDialog.problem; visible: text.length > 0 }
        }
        footer: DialogButtonBox {
            ActionButton { objectName: "registerButton"; text: qsTr("Register"); DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole }
            ActionButton { text: qsTr("Cancel"); DialogButtonBox.buttonRole: DialogButtonBox.RejectRole }
        }
        onAccepted: {
            if (unitItem.currentIndex < 0 || unitSerial.text.trim() === "") {
                problem = qsTr("Choose the item and give the serial")
                open()
                return
            }
            problem = ""
            const item = unitItem.currentValue, serial = unitSerial.text, customer = unitCustomer.text, site = unitSite.text
            ApplicationWindow.window.attempt(force => page.app.registerUnit(item, serial, customer, site),
                                             () => { unitSerial.text = ""; unitCustomer.text = ""; unitSite.text = "" },
                                             message => { problem = message; open() })  // refused: the form again, with why
        }
    }
}
