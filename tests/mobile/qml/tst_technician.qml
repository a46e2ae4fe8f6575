import QtQuick
import QtTest

// A technician's day offline in the app, then the same through the CLI.
FlowCase {
    name: "technician"

    function history() {
        const out = []
        for (let i = 0; i < app.caseHistory.count; ++i) out.push(app.caseHistory.get(i, "event"))
        return out
    }
    function show(device, number) {
        return JSON.parse(cli(device, ["case", "show", number])).map(e => e.event)
    }

    function test_day() {
        const c1 = company.seeded.case1, c2 = company.seeded.case2
        start("tablet", "technician", "alice")
        compare(app.cases.count, 2)
        offline()

        const list = item("caseList")
        const row = findChild(list, "case_" + c1)
        verify(row, "case " + c1 + " is listed")
        mouseClick(row)
        tryVerify(() => app.caseDetail.status === "scheduled", 10000, "status " + "scheduled" + " " + refused)
        verify(app.caseDetail.underWarranty, "the unit is under warranty")

        click("status_in_progress")
        tryVerify(() => app.caseDetail.status === "in_progress", 10000, "status " + "in_progress" + " " + refused)
        item("logField").text = "Replaced the shaft seal"
        click("logButton")
        idle()
        const part = item("partItem")
        part.currentIndex = part.indexOfValue("SEAL")
        item("partQty").text = "1"
        click("partButton")
        idle()
        click("status_resolved")
        tryVerify(() => app.caseDetail.status === "resolved", 10000, "status " + "resolved" + " " + refused)
        click("signoffButton")
        sign("Anna Baker")
        idle()
        click("status_closed")
        tryVerify(() => app.caseDetail.status === "closed", 10000, "status " + "closed" + " " + refused)
        const events = history()
        verify(events.indexOf("part") >= 0 && events.indexOf("signoff") >= 0, events.join(","))

        // A stale view: the case is closed here; reopening is allowed, cancelling is not offered.
        verify(app.caseDetail.next.indexOf("cancelled") < 0)
        online()

        // The same day on alice's phone, through the CLI.
        company.enrollCli("phone", "technician", "alice")
        cli("phone", ["case", "start", c2])
        cli("phone", ["case", "log", c2, "Replaced the shaft seal"])
        cli("phone", ["case", "part", c2, "SEAL", "--from", "VAN-ALICE", "--qty", "1"])
        cli("phone", ["case", "resolve", c2])
        cli("phone", ["case", "signoff", c2, "--name", "Anna Baker", "--signature", company.pngFile()])
        cli("phone", ["case", "close", c2])
        const merged = converged("phone")
        const a = find(merged.cases, "case", c1), b = find(merged.cases, "case", c2)
        compare(a.status, "closed")
        compare(a.status, b.status)
        compare(a.reopen_count, b.reopen_count)
        compare(a.anomalies, 0)
        compare(show("phone", c1), show("phone", c2))
        compare(find(merged.balances.filter(r => r.item === "SEAL"), "location", "VAN-ALICE").qty, 4)
        // The signature the app drew reached the other device.
        const att = JSON.parse(cli("phone", ["attachment", "list"]))
        compare(att.filter(r => r.used_by.indexOf(c1) >= 0 && r.held === r.bytes && r.type === "image/png").length, 1)
    }
}
