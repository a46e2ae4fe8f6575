import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldsync

// The handheld: one scan field (a keyboard-wedge scanner types the code and
// Enter) for receipt, issue, transfer, arrival and count; stock; low stock.
Page {
    id: page
    required property App app
    title: qsTr("Warehouse")
    readonly property bool wide: width >= Labels.wide

    header: TabBar {
        id: tabs
        objectName: "tabs"
        // 16 px and narrow padding: three tabs fit a 400 px phone
        TabButton { text: qsTr("Scan"); objectName: "tabScan"; font.pixelSize: 16; leftPadding: 4; rightPadding: 4 }
        TabButton { text: qsTr("Stock"); objectName: "tabStock"; font.pixelSize: 16; leftPadding: 4; rightPadding: 4 }
        TabButton {
            text: qsTr("Low stock") + (page.app.lowStock.count ? " (" + page.app.lowStock.count + ")" : "")
            objectName: "tabLow"
            font.pixelSize: 16
            leftPadding: 4
            rightPadding: 4
        }
    }

    ScanFlow {
        id: flow
        objectName: "scanFlow"
        app: page.app
    }

    StackLayout {
        anchors.fill: parent
        currentIndex: tabs.currentIndex

        ScrollView {
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
                Flow {
                    Layout.fillWidth: true
                    spacing: 6
                    Repeater {
                        model: ["receipt", "issue", "transfer", "arrival", "count"]
                        ActionButton {
                            required property string modelData
                            objectName: "mode_" + modelData
                            text: Labels.mode(modelData)
                            checkable: true
                            checked: flow.mode === modelData
                            onClicked: { flow.mode = modelData; scanField.forceActiveFocus() }
                        }
                    }
                }
                Label {
                    objectName: "scanPrompt"
                    Layout.fillWidth: true
                    wrapMode: Label.Wrap
                    font.pixelSize: 20
                    font.bold: true
                    text: flow.prompt
                }
                TextField {
                    id: scanField
                    objectName: "scanField"
                    Layout.fillWidth: true
                    font.pixelSize: 22
                    placeholderText: qsTr("Scan or type, then Enter")
                    focus: true
                    onAccepted: {
                        flow.scan(text)
                        text = ""
                    }
                }
                Label {
                    objectName: "scanWhere"
                    Layout.fillWidth: true
                    wrapMode: Label.Wrap
                    visible: flow.location !== ""
                    text: (flow.mode === "transfer" ? qsTr("From %1").arg(flow.location) : qsTr("At %1").arg(flow.location))
                          + (flow.target !== "" ? " \u2192 " + flow.target : "")
                          + (flow.document !== "" ? " \u00b7 " + flow.document : "")
                          + (flow.item !== "" ? " \u00b7 " + qsTr("item %1").arg(flow.item) : "")
                }
                Label {
                    objectName: "scanError"
                    Layout.fillWidth: true
                    wrapMode: Label.Wrap
                    visible: text !== ""
                    color: "#b00020"
                    text: flow.error
                }
                Label {
                    objectName: "scanMessage"
                    Layout.fillWidth: true
                    wrapMode: Label.Wrap
                    visible: text !== ""
                    color: "#00695c"
                    text: flow.message
                }
                RowLayout {
                    Layout.fillWidth: true
                    ActionButton {
                        objectName: "confirmButton"
                        Layout.fillWidth: true
                        highlighted: true
                        text: qsTr("Confirm")
                        enabled: flow.canConfirm
                        onClicked: { flow.confirm(); scanField.forceActiveFocus() }
                    }
                    ActionButton {
                        objectName: "resetButton"
                        text: qsTr("Start over")
                        onClicked: { flow.reset(); scanField.forceActiveFocus() }
                    }
                }
            }
            ColumnLayout {
                objectName: "scanLines"
                readonly property int count: flow.lines.count
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: 1
                Layout.fillWidth: true
                Layout.margins: 16
                Label {
                    visible: flow.lines.count > 0
                    text: qsTr("To post (press and hold a line to remove it)")
                    font.pixelSize: 16
                }
                Repeater {
                    model: flow.lines
                    ColumnLayout {
                        id: line
                        required property int index
                        required property string item
                        required property string qty
                        required property string serials
                        required property string error
                        required property bool canForce
                        objectName: "scanLine_" + index
                        Layout.fillWidth: true
                        spacing: 0
                        ItemDelegate {
                            Layout.fillWidth: true
                            text: (line.item !== "" ? line.item + "  \u00d7 " + line.qty : qsTr("All still in transit"))
                                  + (line.serials ? "\n" + line.serials : "")
                            onPressAndHold: flow.removeLine(line.index)
                        }
                        Label {
                            Layout.fillWidth: true
                            Layout.leftMargin: 16
                            visible: line.error !== ""
                            wrapMode: Label.Wrap
                            color: "#b00020"
                            text: line.error
                        }
                        ActionButton {
                            objectName: "forceLine_" + line.index
                            Layout.leftMargin: 16
                            visible: line.canForce
                            enabled: page.app.busy === 0
                            text: qsTr("Record anyway")
                            onClicked: flow.force(line.index)
                        }
                    }
                }
            }
        }
        }

        ListView {
            objectName: "balanceList"
            clip: true
            model: page.app.balances
            delegate: ItemDelegate {
                id: b
                required property string item
                required property string location
                required property string qty
                required property string countedAt
                width: ListView.view.width
                contentItem: RowLayout {
                    Label { Layout.fillWidth: true; text: b.item + " \u00b7 " + b.location; elide: Label.ElideRight }
                    Label { text: b.qty; font.bold: true }
                }
            }
        }

        ListView {
            objectName: "lowList"
            clip: true
            model: page.app.lowStock
            delegate: ItemDelegate {
                id: l
                required property string item
                required property string location
                required property string qty
                required property string threshold
                width: ListView.view.width
                contentItem: RowLayout {
                    Label { Layout.fillWidth: true; text: l.item + " \u00b7 " + l.location; elide: Label.ElideRight }
                    Label { text: qsTr("%1 of %2").arg(l.qty).arg(l.threshold); font.bold: true; color: "#b00020" }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: parent.count === 0
                text: qsTr("Nothing is below its threshold")
            }
        }
    }
}
