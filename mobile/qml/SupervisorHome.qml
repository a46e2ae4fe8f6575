import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldsync

// A supervisor's open exceptions (what reconciliation found when offline
// work merged) and the branch's devices with their last sync.
Page {
    id: page
    required property App app
    title: qsTr("Exceptions")

    header: TabBar {
        id: tabs
        objectName: "tabs"
        TabButton { objectName: "tabExceptions"; text: qsTr("Exceptions") + (page.app.exceptions.count ? " (" + page.app.exceptions.count + ")" : "") }
        TabButton { objectName: "tabDevices"; text: qsTr("Devices") }
    }

    StackLayout {
        anchors.fill: parent
        currentIndex: tabs.currentIndex
        ListView {
            id: list
            objectName: "exceptionList"
            clip: true
            model: page.app.exceptions
            delegate: ItemDelegate {
                id: row
                required property string number
                required property string kind
                required property string subjects
                required property string raised
                objectName: "exception_" + number
                width: ListView.view.width
                contentItem: ColumnLayout {
                    spacing: 2
                    Label { Layout.fillWidth: true; text: row.kind + " \u00b7 " + row.subjects; font.bold: true; elide: Label.ElideRight }
                    Label { Layout.fillWidth: true; text: row.number + " \u00b7 " + row.raised; font.pixelSize: 16 }
                }
                onClicked: ApplicationWindow.window.openScreen("exception", row.number)
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: qsTr("No open exceptions")
            }
        }
        ListView {
            id: devices
            objectName: "deviceList"
            clip: true
            model: page.app.devices
            delegate: ItemDelegate {
                id: d
                required property string device
                required property string role
                required property string person
                required property string branch
                required property string lastContact
                required property bool revoked
                width: ListView.view.width
                contentItem: ColumnLayout {
                    spacing: 2
                    Label { text: Labels.role(d.role) + (d.person ? " \u00b7 " + d.person : "") + " \u00b7 " + d.device + (d.revoked ? " \u00b7 " + qsTr("revoked") : ""); font.bold: true }
                    Label { text: d.lastContact ? qsTr("Last sync %1").arg(d.lastContact) : qsTr("Never synced"); font.pixelSize: 16 }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: devices.count === 0
                width: parent.width - 48
                wrapMode: Label.Wrap
                horizontalAlignment: Text.AlignHCenter
                text: qsTr("The devices are listed once this device has synced.")
            }
        }
    }
}
