import QtQuick
import QtTest

// A warehouse's day offline with the scan field (receipt, transfer, arrival,
// count) at WH2, then the same through the CLI at WH3.
FlowCase {
    name: "warehouse"

    // A keyboard-wedge scanner types the code, then Enter.
    function scan(code) {
        const field = item("scanField")
        field.forceActiveFocus()
        for (const ch of code) keyClick(ch)
        keyClick(Qt.Key_Return)
        compare(field.text, "")
    }
    function mode(m) {
        click("mode_" + m)
        compare(item("scanFlow").mode, m)
    }
    function confirm() {
        click("confirmButton")
        tryVerify(() => item("scanLines").count === 0 && app.busy === 0, 10000, "posted: " + item("scanFlow").error)
        compare(item("scanFlow").error, "")
    }

    function test_day() {
        start("hand", "warehouse")
        win.requestActivate()
        tryVerify(() => win.active, 5000, "the window has the keyboard")
        offline()

        mode("receipt")
        scan("WH2")
        scan("PUMP")
        scan("SN-20")
        scan("SN-21")
        scan("SEAL")
        scan("5")
        compare(item("scanLines").count, 2)
        confirm()

        mode("transfer")
        scan("WH1")
        scan("WH2")
        scan("SEAL")
        scan("2")
        confirm()

        mode("arrival")
        scan("WH2")
        scan(company.seeded.transfer2)
        confirm()

        mode("count")
        scan("WH2")
        scan("FILTER")
        scan("3")
        confirm()
        compare(item("scanError").visible, false)
        online()

        company.enrollCli("hand2", "warehouse")
        cli("hand2", ["stock", "receive", "PUMP", "--to", "WH3", "--serial", "SN-30", "--serial", "SN-31"])
        cli("hand2", ["stock", "receive", "SEAL", "--to", "WH3", "--qty", "5"])
        cli("hand2", ["stock", "transfer", "SEAL", "--from", "WH1", "--to", "WH3", "--qty", "2"])
        cli("hand2", ["stock", "arrive", company.seeded.transfer3, "--to", "WH3"])
        cli("hand2", ["stock", "count", "FILTER", "--location", "WH3", "--qty", "3"])
        const merged = converged("hand2")
        const at = loc => merged.balances.filter(b => b.location === loc).map(b => [b.item, b.qty, b.variance || ""].join(" "))
        compare(at("WH2"), at("WH3"))
        compare(at("WH2"), ["FILTER 3 -1", "PUMP 2 ", "SEAL 10 "])
        compare(merged.units.filter(u => u.serial === "SN-20")[0].location, "WH2")
    }
}
