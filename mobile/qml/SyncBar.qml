import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Fieldsync

// On every screen: online or offline, what waits to be sent, the last
// sync, "sync now", and what went wrong, in words.
ToolBar {
    id: bar
    required property App app
    property alias title: titleLabel.text
    property bool canGoBack: false
    signal back()
    Material.foreground: "white"
    background: Rectangle { color: bar.app.online ? "#00695c" : "#546e7a" }  // no elevation layer: see ActionButton.qml

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        RowLayout {
            Layout.fillWidth: true
            ToolButton {
                objectName: "backButton"
                visible: bar.canGoBack
                text: "\u2190"
                font.pixelSize: 24
                Accessible.name: qsTr("Back")
                onClicked: bar.back()
            }
            Label {
                id: titleLabel
                Layout.fillWidth: true
                Layout.leftMargin: bar.canGoBack ? 0 : 12
                elide: Label.ElideRight
                font.pixelSize: 20
                font.bold: true
            }
            Label {
                objectName: "syncState"
                text: (bar.app.online ? qsTr("Online") : qsTr("Offline"))
                      + (bar.app.pending > 0 ? " \u00b7 " + qsTr("%n to send", "", bar.app.pending) : "")
                font.pixelSize: 16
            }
            ToolButton {
                objectName: "syncNow"
                text: bar.app.syncing ? qsTr("Syncing\u2026") : qsTr("Sync now")
                enabled: bar.app.enrolled
                font.pixelSize: 16
                onClicked: bar.app.syncNow()
            }
        }
        Label {
            objectName: "syncDetail"
            Layout.fillWidth: true
            Layout.leftMargin: 12
            Layout.rightMargin: 12
            Layout.bottomMargin: 4
            visible: text.length > 0
            wrapMode: Label.Wrap
            font.pixelSize: 14
            text: bar.app.syncError.length > 0 ? bar.app.syncError
                  : bar.app.lastSync.length > 0 ? qsTr("Last sync %1").arg(bar.app.lastSync)
                  : bar.app.enrolled ? qsTr("Not synced yet") : ""
        }
    }
}
