pragma Singleton
import QtQuick

// Words for the names the node uses (statuses, kinds, modes), in the user's language.
QtObject {
    function status(s) {
        switch (s) {
        case "new_case": return qsTr("New")
        case "open": return qsTr("Open")
        case "scheduled": return qsTr("Scheduled")
        case "in_progress": return qsTr("In progress")
        case "on_hold": return qsTr("On hold")
        case "resolved": return qsTr("Resolved")
        case "closed": return qsTr("Closed")
        case "reopened": return qsTr("Reopened")
        case "cancelled": return qsTr("Cancelled")
        case "created": return qsTr("Created")
        case "ready": return qsTr("Ready")
        case "dispatched": return qsTr("Dispatched")
        case "in_transit": return qsTr("In transit")
        case "out_for_delivery": return qsTr("Out for delivery")
        case "delivered": return qsTr("Delivered")
        case "partially_delivered": return qsTr("Partially delivered")
        case "attempt_failed": return qsTr("Attempt failed")
        case "returning": return qsTr("Returning")
        case "returned": return qsTr("Returned")
        }
        return s
    }
    // The action that enters a status, on a button.
    // A case history's events (node/cases.h).
    function event(e) {
        switch (e) {
        case "status": return qsTr("Status")
        case "activity": return qsTr("Work")
        case "signoff": return qsTr("Sign-off")
        case "part": return qsTr("Part used")
        case "visit": return qsTr("Visit")
        default: return e
        }
    }
    function action(s) {
        switch (s) {
        case "in_progress": return qsTr("Start work")
        case "on_hold": return qsTr("Put on hold")
        case "resolved": return qsTr("Resolve")
        case "closed": return qsTr("Close")
        case "reopened": return qsTr("Reopen")
        case "cancelled": return qsTr("Cancel")
        case "scheduled": return qsTr("Schedule")
        case "open": return qsTr("Back to open")
        case "ready": return qsTr("Mark ready")
        case "dispatched": return qsTr("Dispatch")
        case "in_transit": return qsTr("Mark in transit")
        case "out_for_delivery": return qsTr("Out for delivery", "the button")
        case "delivered": return qsTr("Deliver")
        case "attempt_failed": return qsTr("Failed attempt")
        case "returning": return qsTr("Return to origin")
        case "returned": return qsTr("Mark returned")
        }
        return s
    }
    function mode(m) {
        switch (m) {
        case "receipt": return qsTr("Receipt")
        case "issue": return qsTr("Issue")
        case "transfer": return qsTr("Transfer")
        case "arrival": return qsTr("Arrival")
        case "count": return qsTr("Count")
        }
        return m
    }
    function role(r) {
        switch (r) {
        case "technician": return qsTr("Technician")
        case "warehouse": return qsTr("Warehouse")
        case "driver": return qsTr("Driver")
        case "supervisor": return qsTr("Supervisor")
        case "admin": return qsTr("Administrator")
        }
        return r
    }
    function reason(r) {
        switch (r) {
        case "not_home": return qsTr("Nobody at home")
        case "refused": return qsTr("Refused")
        case "address_wrong": return qsTr("Address wrong")
        case "damaged": return qsTr("Damaged")
        }
        return r
    }
    // A quantity line after delivery: " · delivered 3, refused 2" (quantities as the node prints them).
    function lineState(delivered, refused, returned) {
        const parts = []
        if (delivered !== "0") parts.push(qsTr("delivered %1").arg(delivered))
        if (refused !== "0") parts.push(qsTr("refused %1").arg(refused))
        if (returned !== "0") parts.push(qsTr("back in stock %1").arg(returned))
        return parts.length ? " \u00b7 " + parts.join(", ") : ""
    }
    readonly property var failReasons: ["not_home", "refused", "address_wrong", "damaged"]
    readonly property int wide: 900  // at least this wide: the tablet layout
}
