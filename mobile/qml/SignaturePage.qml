import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldsync

// Who signs, and the signature drawn on screen; saved as a PNG.
Page {
    id: page
    required property App app
    property string nameLabel: qsTr("Name of the person signing")
    signal signed(string name, var png)
    function leave() { if (StackView.status === StackView.Active) StackView.view.pop() }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 16
        spacing: 12
        TextField {
            id: signer
            objectName: "signerField"
            Layout.fillWidth: true
            placeholderText: page.nameLabel
        }
        Label { text: qsTr("Sign here"); font.pixelSize: 16 }
        Rectangle {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: 200
            border.color: "#888"
            border.width: 2
            SignaturePad {
                id: pad
                objectName: "signaturePad"
                anchors.fill: parent
                anchors.margins: 2
            }
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Label.Wrap
            color: "#b00020"
            text: signer.text.trim() === "" ? qsTr("Write the name of the person signing") : pad.empty ? qsTr("Draw the signature: a tap is not one") : ""
        }
        RowLayout {
            Layout.fillWidth: true
            ActionButton { text: qsTr("Clear"); Layout.fillWidth: true; onClicked: pad.clear() }
            ActionButton {
                objectName: "saveSignature"
                Layout.fillWidth: true
                highlighted: true
                text: qsTr("Save")
                enabled: signer.text.trim() !== "" && !pad.empty && page.app.busy === 0
                onClicked: page.signed(signer.text.trim(), pad.toPng())  // the asking screen calls leave() once it is recorded
            }
        }
    }
}
