import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Fieldsync

// One case: its unit and warranty, the transitions allowed from here, the
// work log, a part from the van, the customer's sign-off, and its history.
Page {
    id: page
    required property App app
    required property string number
    readonly property var c: app.caseDetail
    readonly property bool wide: width >= Labels.wide
    title: number
    Component.onCompleted: app.openCase(number)

    function attempt(f, ok) { ApplicationWindow.window.attempt(f, ok) }
    readonly property bool idle: app.busy === 0  // one tap, one command

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        GridLayout {
            width: parent.width
            columns: page.wide ? 2 : 1
            columnSpacing: 24
            rowSpacing: 12

            ColumnLayout {
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: 1  // with fillWidth: equal columns on a tablet
                Layout.fillWidth: true
                Layout.margins: 16
                spacing: 8
                Label {
                    objectName: "caseStatus"
                    text: Labels.status(page.c.status || "")
                    font.pixelSize: 24
                    font.bold: true
                }
                Label { Layout.fillWidth: true; wrapMode: Label.Wrap; text: (page.c.customer || "") + (page.c.site ? " \u00b7 " + page.c.site : "") }
                Label { Layout.fillWidth: true; wrapMode: Label.Wrap; text: page.c.problem || ""; font.pixelSize: 16 }
                Label {
                    objectName: "caseUnit"
                    Layout.fillWidth: true
                    wrapMode: Label.Wrap
                    visible: (page.c.unit || "") !== ""
                    text: qsTr("Unit %1").arg(page.c.unit || "") + (page.c.warrantyEnd
                          ? " \u00b7 " + (page.c.underWarranty ? qsTr("under warranty until %1") : qsTr("warranty ended %1")).arg(page.c.warrantyEnd)
                          : " \u00b7 " + qsTr("no warranty recorded"))
                }
                Label {
                    visible: (page.c.reopenCount || 0) > 0
                    text: qsTr("Reopened %n times", "", page.c.reopenCount || 0)
                    color: "#b00020"
                }

                Flow {
                    Layout.fillWidth: true
                    spacing: 8
                    Repeater {
                        model: page.c.next || []
                        ActionButton {
                            required property string modelData
                            objectName: "status_" + modelData
                            text: Labels.action(modelData)
                            highlighted: modelData === "in_progress" || modelData === "resolved" || modelData === "closed"
                            enabled: page.idle
                            onClicked: modelData === "cancelled"
                                       ? confirmCancel.open()  // for good: cancelled is final (docs/data-model.md)
                                       : page.attempt(force => page.app.setCaseStatus(page.number, modelData, force))
                        }
                    }
                }

                Label { text: qsTr("Work log"); font.bold: true; Layout.topMargin: 8 }
                RowLayout {
                    Layout.fillWidth: true
                    TextField {
                        id: activity
                        objectName: "logField"
                        Layout.fillWidth: true
                        placeholderText: qsTr("What was done")
                        onAccepted: logButton.clicked()
                    }
                    ActionButton {
                        id: logButton
                        objectName: "logButton"
                        text: qsTr("Add")
                        enabled: activity.text.trim().length > 0 && page.idle
                        onClicked: {
                            const t = activity.text
                            page.attempt(force => page.app.logWork(page.number, t), () => { if (activity.text === t) activity.text = "" })
                        }
                    }
                }

                Label { text: qsTr("Part from my van %1").arg(page.app.van); font.bold: true; Layout.topMargin: 8 }
                ComboBox {
                    id: partItem
                    objectName: "partItem"
                    Layout.fillWidth: true
                    model: page.app.items
                    textRole: "label"
                    valueRole: "code"
                }
                RowLayout {
                    Layout.fillWidth: true
                    TextField {
                        id: partSerial
                        objectName: "partSerial"
                        Layout.fillWidth: true
                        placeholderText: qsTr("Serial (scan)")
                    }
                    TextField {
                        id: partQty
                        objectName: "partQty"
                        Layout.preferredWidth: 90
                        placeholderText: qsTr("Qty")
                        inputMethodHints: Qt.ImhFormattedNumbersOnly
                    }
                    ActionButton {
                        objectName: "partButton"
                        text: qsTr("Use")
                        enabled: partItem.currentIndex >= 0 && page.app.van !== "" && page.idle
                        onClicked: {
                            const item = partItem.currentValue, serial = partSerial.text, q = partQty.text
                            page.attempt(force => page.app.usePart(page.number, item, serial, q, force), () => {
                                partSerial.text = ""
                                partQty.text = ""
                            })
                        }
                    }
                }

                ActionButton {
                    objectName: "signoffButton"
                    Layout.fillWidth: true
                    Layout.topMargin: 8
                    text: qsTr("Customer sign-off")
                    onClicked: ApplicationWindow.window.open(signature, { title: qsTr("Sign-off of %1").arg(page.number) })
                }
            }

            ColumnLayout {
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: 1  // with fillWidth: equal columns on a tablet
                Layout.fillWidth: true
                Layout.margins: 16
                Label { text: qsTr("History"); font.bold: true }
                Repeater {
                    objectName: "caseHistory"
                    model: page.app.caseHistory
                    ColumnLayout {
                        required property string when
                        required property string event
                        required property string detail
                        Layout.fillWidth: true
                        spacing: 0
                        Label { text: parent.when + "  " + Labels.event(parent.event); font.pixelSize: 14; color: "#555" }
                        Label {
                            Layout.fillWidth: true
                            wrapMode: Label.Wrap
                            text: parent.event === "status" ? Labels.status(parent.detail) : parent.detail
                        }
                    }
                }
            }
        }
    }

    Component {
        id: signature
        SignaturePage {
            id: sig
            onSigned: (name, png) => page.attempt(force => page.app.signOff(page.number, name, png), () => sig.leave())
        }
    }

    Dialog {
        id: confirmCancel
        objectName: "confirmCancel"
        Material.elevation: 0  // drawn without a shadow layer: see ActionButton.qml
        anchors.centerIn: parent
        width: Math.min(page.width - 32, 560)
        modal: true
        title: qsTr("Cancel case %1?").arg(page.number)
        Label {
            width: parent.width
            wrapMode: Label.Wrap
            text: qsTr("A cancelled case cannot be reopened.")
        }
        footer: DialogButtonBox {
            ActionButton { objectName: "cancelCaseButton"; text: qsTr("Cancel the case"); DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole }
            ActionButton { text: qsTr("Keep it"); DialogButtonBox.buttonRole: DialogButtonBox.RejectRole }
        }
        onAccepted: page.attempt(force => page.app.setCaseStatus(page.number, "cancelled", force))
    }
}
