import QtQuick
import QtTest

// A driver's day offline: dispatch, out for delivery, a failed attempt,
// delivery with a drawn signature, one seal kit of two refused as damaged;
// then the same through the CLI.
FlowCase {
    name: "driver"

    function test_day() {
        const s1 = company.seeded.shipment1, s2 = company.seeded.shipment2
        start("phone", "driver", "dan")
        compare(app.shipments.count, 2)
        offline()

        mouseClick(findChild(item("shipmentList"), "shipment_" + s1))
        tryVerify(() => app.shipmentDetail.status === "ready", 10000, "status " + "ready" + " " + refused)
        click("track_dispatched")
        tryVerify(() => app.shipmentDetail.status === "dispatched", 10000, "status " + "dispatched" + " " + refused)
        click("track_out_for_delivery")
        tryVerify(() => app.shipmentDetail.status === "out_for_delivery", 10000, "status " + "out_for_delivery" + " " + refused)
        const reason = item("failReason")
        reason.currentIndex = 0  // not_home
        click("failButton")
        tryVerify(() => app.shipmentDetail.status === "attempt_failed", 10000, "status " + "attempt_failed" + " " + refused)
        compare(app.shipmentDetail.attempts, 1)
        click("track_out_for_delivery")
        tryVerify(() => app.shipmentDetail.status === "out_for_delivery", 10000, "status " + "out_for_delivery" + " " + refused)
        const refuse = item("refuseQty_SEAL")
        refuse.text = "1"
        refuse.textEdited()
        const why = item("refusalReason")
        why.currentIndex = why.find("damaged")
        compare(why.currentText, "damaged")
        click("deliverButton")
        sign("Maria Mill")
        tryVerify(() => app.shipmentDetail.status === "partially_delivered", 10000, "status partially_delivered " + refused)
        tryVerify(() => app.shipmentLines.count === 2 && app.shipmentLines.get(1, "refused") === "1")
        compare(app.shipmentLines.get(1, "delivered"), "1")
        compare(app.shipmentLines.get(0, "delivered"), "1")  // the pump
        online()

        company.enrollCli("phone2", "driver", "dan")
        cli("phone2", ["shipment", "dispatch", s2])
        cli("phone2", ["shipment", "out-for-delivery", s2])
        cli("phone2", ["shipment", "fail", s2, "--reason", "not_home"])
        cli("phone2", ["shipment", "out-for-delivery", s2])
        cli("phone2", ["shipment", "deliver", s2, "--recipient", "Maria Mill", "--signature", company.pngFile(),
                       "--refused-qty", "SEAL=1", "--reason", "damaged"])
        const merged = converged("phone2")
        const a = find(merged.shipments, "shipment", s1), b = find(merged.shipments, "shipment", s2)
        compare(a.status, "partially_delivered")
        compare([a.status, a.attempts, a.anomalies], [b.status, b.attempts, b.anomalies])
        // The same steps with the same reasons; each proof names its own drawn signature.
        const tracking = n => JSON.parse(cli("phone2", ["shipment", "show", n])).filter(e => e.event === "tracking")
                                  .map(e => e.detail.replace(/sha256:[0-9a-f]{64}/, "sha256:(a signature)"))
        compare(tracking(s1), tracking(s2))
        compare(find(merged.units, "serial", "SN-5").state, find(merged.units, "serial", "SN-6").state)
        compare(find(merged.units, "serial", "SN-5").customer, "Mill Oy")
    }
}
