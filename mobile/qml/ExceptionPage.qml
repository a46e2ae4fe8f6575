import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldsync

// One exception: what happened, what to do, and its resolution (a note, and
// for negative stock an adjustment or a transfer from another location).
Page {
    id: page
    required property App app
    required property string number
    readonly property var ex: app.exceptionDetail
    title: number
    Component.onCompleted: app.openException(number)

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        ColumnLayout {
            width: Math.min(parent.width, 900)
            anchors.horizontalCenter: parent.horizontalCenter
            spacing: 10
            Item { height: 8 }
            Label { Layout.leftMargin: 16; text: (page.ex.kind || "") + " \u00b7 " + (page.ex.status || ""); font.pixelSize: 22; font.bold: true }
            Label { Layout.leftMargin: 16; Layout.rightMargin: 16; Layout.fillWidth: true; wrapMode: Label.Wrap; text: page.ex.subjects || "" }
            Label { Layout.leftMargin: 16; Layout.topMargin: 8; text: qsTr("What happened"); font.bold: true }
            Label { objectName: "exceptionDetail"; Layout.leftMargin: 16; Layout.rightMargin: 16; Layout.fillWidth: true; wrapMode: Label.Wrap; text: page.ex.detail || "" }
            Label { Layout.leftMargin: 16; Layout.topMargin: 8; text: qsTr("Suggested"); font.bold: true }
            Label { objectName: "exceptionSuggestion"; Layout.leftMargin: 16; Layout.rightMargin: 16; Layout.fillWidth: true; wrapMode: Label.Wrap; text: page.ex.suggestion || "" }
            Label {
                Layout.leftMargin: 16
                Layout.rightMargin: 16
                Layout.fillWidth: true
                wrapMode: Label.Wrap
                visible: page.ex.onServer === true
                color: "#b00020"
                text: qsTr("Held ops are released or rejected on the server (fieldsync-server exceptions resolve).")
            }
            ColumnLayout {
                Layout.margins: 16
                Layout.fillWidth: true
                visible: page.ex.status === "open" && page.ex.onServer !== true
                TextField { id: note; objectName: "resolveNote"; Layout.fillWidth: true; placeholderText: qsTr("Resolution note (required)") }
                TextField {
                    id: adjust
                    objectName: "resolveAdjust"
                    Layout.fillWidth: true
                    visible: page.ex.canAdjust === true
                    enabled: from.currentIndex <= 0
                    placeholderText: qsTr("Adjust by (signed quantity), or")
                    inputMethodHints: Qt.ImhFormattedNumbersOnly
                }
                ComboBox {
                    id: from
                    objectName: "resolveFrom"
                    Layout.fillWidth: true
                    visible: page.ex.canAdjust === true
                    enabled: adjust.text.trim() === ""
                    model: [qsTr("no transfer")].concat(page.app.locations)
                }
                ActionButton {
                    objectName: "resolveButton"
                    Layout.fillWidth: true
                    highlighted: true
                    text: qsTr("Resolve")
                    enabled: note.text.trim() !== "" && page.app.busy === 0
                    onClicked: {
                        const n = note.text, a = adjust.text, f = from.currentIndex > 0 ? from.currentText : ""
                        ApplicationWindow.window.attempt(force => page.app.resolveException(page.number, n, a, f))
                    }
                }
            }
        }
    }
}
