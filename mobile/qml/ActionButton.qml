import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

// A Material button with a plain filled background: the same on a GPU and
// on the software renderer (Material's own draws its fill in an elevation
// layer that software rendering cannot show). At least 48 px high to touch.
Button {
    id: control
    implicitHeight: Math.max(56, implicitContentHeight + topInset + bottomInset + topPadding + bottomPadding)
    background: Rectangle {
        implicitWidth: 64
        implicitHeight: 44
        radius: 4
        color: !control.enabled ? "#e0e0e0"
             : control.highlighted ? (control.down ? Qt.darker(control.Material.accent, 1.25) : control.Material.accent)
             : control.checked ? "#b2dfdb"
             : control.down ? "#d0d0d0" : "#eeeeee"
    }
}
