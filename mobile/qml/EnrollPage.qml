import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldsync

// First start: the enrollment string the office printed (fieldsync-server
// enroll-token), pasted or scanned.
Page {
    id: page
    required property App app
    title: qsTr("Set up this device")
    property string problem: ""

    Connections {
        target: page.app
        function onFailed(ticket, message) { page.problem = message }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: 16
        Label {
            Layout.fillWidth: true
            wrapMode: Label.Wrap
            font.pixelSize: 18
            text: qsTr("Paste or scan the enrollment string your office gave you. It starts with fs1:")
        }
        TextArea {
            id: ticket
            objectName: "enrollField"
            Layout.fillWidth: true
            Layout.preferredHeight: 160
            wrapMode: TextArea.WrapAnywhere
            placeholderText: "fs1:..."
            font.pixelSize: 16
            Keys.onReturnPressed: enroll.clicked()
        }
        Label {
            objectName: "enrollProblem"
            Layout.fillWidth: true
            wrapMode: Label.Wrap
            color: "#b00020"
            text: page.problem
            visible: text.length > 0
        }
        ActionButton {
            id: enroll
            objectName: "enrollButton"
            Layout.fillWidth: true
            highlighted: true
            text: page.app.busy ? qsTr("Enrolling\u2026") : qsTr("Enroll")
            enabled: page.app.busy === 0
            onClicked: {
                const t = ticket.text.replace(/\s+/g, "")  // a string pasted across lines is still one
                if (!t.startsWith("fs1:")) {
                    page.problem = qsTr("This is not an enrollment string: it must start with fs1:")
                    return
                }
                page.problem = ""
                page.app.enroll(t)
            }
        }
        Item { Layout.fillHeight: true }
    }
}
