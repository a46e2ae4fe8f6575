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
    readonly property bool narrow: width < 600
    readonly property string state: (app.online ? qsTr("Online") : qsTr("Offline"))
                                    + (app.pending > 0 ? " \u00b7 " + qsTr("%n to send", "", app.pending) : "")
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
                visible: !bar.narrow  // on a phone: in the line below, so the title keeps its room
                text: bar.state
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
            font.pixelSize: 16
            readonly property string detail: bar.app.syncError.length > 0 ? bar.app.syncError
                  : bar.app.lastSync.length > 0 ? qsTr("Last sync %1").arg(bar.app.lastSync)
                  : bar.app.enrolled ? qsTr("Not synced yet") : ""
            text: !bar.narrow ? detail : detail === "" ? bar.state : bar.state + " \u00b7 " + detail
        }
        Label {
            objectName: "heldWork"
            Layout.fillWidth: true
            Layout.leftMargin: 12
            Layout.rightMargin: 12
            Layout.bottomMargin: 4
            visible: text.length > 0
            wrapMode: Label.Wrap
            font.pixelSize: 16
            font.bold: true
            color: "#ffe082"
            text: bar.app.held
        }
    }
}
