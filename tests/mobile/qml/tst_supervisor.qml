import QtQuick
import QtTest

// A supervisor resolves an exception offline with an adjustment; the same
// resolution of its twin through the CLI gives the same ledger.
FlowCase {
    name: "supervisor"

    function test_day() {
        const x1 = company.seeded.exception1, x2 = company.seeded.exception2
        start("desk", "supervisor")
        compare(app.exceptions.count, 2)
        tryVerify(() => app.devices.count >= 2, 20000, "the branch's devices are listed")
        offline()

        mouseClick(findChild(item("exceptionList"), "exception_" + x1))
        tryVerify(() => app.exceptionDetail.status === "open", 10000, "status " + "open" + " " + refused)
        verify(app.exceptionDetail.canAdjust)
        verify(!item("resolveButton").enabled, "a resolution needs a note")
        item("resolveNote").text = "Counted: the seals were used, stock corrected"
        item("resolveAdjust").text = "2"
        click("resolveButton")
        tryVerify(() => app.exceptionDetail.status === "resolved", 10000, "status " + "resolved" + " " + refused)
        tryCompare(app.exceptions, "count", 1, 10000)
        online()

        company.enrollCli("desk2", "supervisor")
        cli("desk2", ["exceptions", "resolve", x2, "--note", "Counted: the seals were used, stock corrected", "--adjust", "2"])
        const merged = converged("desk2")
        compare(find(merged.exceptions, "exception", x1).status, "resolved")
        compare(find(merged.exceptions, "exception", x2).status, "resolved")
        const seal = loc => (merged.balances.find(b => b.item === "SEAL" && b.location === loc) || { qty: 0 }).qty
        compare(seal("WH8"), 0)
        compare(seal("WH8"), seal("WH9"))
    }
}
