import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldsync

// A driver's shipments in stop order: those still to deliver first.
Page {
    id: page
    required property App app
    title: qsTr("My deliveries")

    ListView {
        id: list
        objectName: "shipmentList"
        anchors.fill: parent
        clip: true
        model: page.app.shipments
        section.property: "open"
        section.delegate: Label {
            required property string section
            width: ListView.view.width
            padding: 12
            font.bold: true
            font.pixelSize: 16
            color: "#00695c"
            text: section === "true" ? qsTr("To deliver") : qsTr("Done")
        }
        delegate: ItemDelegate {
            id: row
            required property int index
            required property string number
            required property string customer
            required property string site
            required property string status
            required property int lines
            required property int attempts
            objectName: "shipment_" + number
            width: ListView.view.width
            contentItem: ColumnLayout {
                spacing: 2
                Label { Layout.fillWidth: true; text: (row.index + 1) + ". " + row.customer + " \u00b7 " + Labels.status(row.status); font.bold: true; elide: Label.ElideRight }
                Label {
                    Layout.fillWidth: true
                    elide: Label.ElideRight
                    font.pixelSize: 16
                    text: row.number + " \u00b7 " + row.site + " \u00b7 " + qsTr("%n lines", "", row.lines)
                          + (row.attempts > 0 ? " \u00b7 " + qsTr("%n failed attempts", "", row.attempts) : "")
                }
            }
            onClicked: ApplicationWindow.window.openScreen("shipment", row.number)
        }
        Label {
            anchors.centerIn: parent
            visible: list.count === 0
            width: parent.width - 48
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Label.Wrap
            text: qsTr("No shipments on this device yet. They arrive when the office plans them and the device syncs.")
        }
    }
}
