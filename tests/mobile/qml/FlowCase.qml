import QtQuick
import QtTest
import Fieldsync

// What every role's flow does: start the app on a new device, enroll through
// the first-start screen, go offline, work, come back and sync, then compare
// with the same work done through the CLI on another device of the same
// person (`company`: tests/mobile/company.h).
TestCase {
    id: flow
    when: windowShown
    property var app: null
    property var win: null
    property string device: ""
    property string refused: ""  // the node's last refusal, for the messages
    Component { id: mainWindow; Main {} }

    function start(name, role, person) {
        device = name
        app = company.app(name)
        app.failed.connect(m => flow.refused = m)
        win = createTemporaryObject(mainWindow, flow, { app: app })
        verify(win, "the window opens")
        tryVerify(() => app.ready, 10000)
        item("enrollField").text = company.ticket(role, person || "")
        click("enrollButton")
        tryVerify(() => app.enrolled && app.lastSync !== "" && app.refreshes > 1, 30000, "enrolled and synced")
    }
    // By object name in the visual tree (TestCase.findChild misses what a Repeater made).
    function lookup(root, name) {
        if (root.objectName === name) return root
        for (let i = 0; i < root.children.length; ++i) {
            const f = lookup(root.children[i], name)
            if (f) return f
        }
        return null
    }
    function names() {
        const out = []
        const walk = it => {
            if (it.objectName) out.push(it.objectName + (it.visible ? "" : "(hidden)"))
            for (let i = 0; i < it.children.length; ++i) walk(it.children[i])
        }
        walk(win.contentItem)
        return out.join(" ")
    }
    function item(name) {
        const o = lookup(win.contentItem, name) || findChild(win, name)
        verify(o, "on screen: " + name)
        return o
    }
    function click(name) {
        // Looked up each time: a list rebuilt by a refresh makes its buttons anew.
        const ready = () => { const o = lookup(win.contentItem, name); return o && o.visible && o.enabled }
        for (let i = 0; i < 100 && !ready(); ++i) wait(100)
        verify(ready(), name + " can be pressed; on screen: " + names())
        settled()
        refused = ""
        const target = item(name)
        laidOut(target)
        mouseClick(target)
    }
    // Its layouts have placed it: a status change hides rows and moves the buttons
    // below them at the next polish, and a tap at the old place lands elsewhere.
    function laidOut(target) {
        const pending = () => { for (let p = target; p; p = p.parent) if (isPolishScheduled(p)) return true; return false }
        tryVerify(() => !pending(), 5000, "the screen is laid out")
    }
    // No screen is sliding in or out.
    function settled() {
        const stack = lookup(win.contentItem, "stack")
        tryVerify(() => !stack.busy && stack.currentItem && stack.currentItem.x === 0, 5000, "the screen has stopped moving")
    }
    function idle() {
        tryVerify(() => app.busy === 0, 10000, "the command finished")
        compare(refused, "", "the node refused it")
    }
    function offline() {
        company.stopServer()
        app.syncNow()
        tryVerify(() => !app.online, 20000, "the sync bar says offline")
        compare(item("syncState").text.startsWith("Offline"), true)
    }
    function online() {
        verify(app.pending > 0, "the offline work waits to be sent")
        compare(item("syncState").text.indexOf("to send") > 0, true)
        company.startServer()
        app.syncNow()
        for (let i = 0; i < 600 && !(app.online && app.pending === 0); ++i) wait(100)
        verify(app.online && app.pending === 0, "the offline work is sent: " + app.pending + " pending; " + app.syncError)
    }
    function cli(name, args) {
        const out = company.cli(name, args)
        verify(!out.startsWith("exit "), args.join(" ") + ": " + out)
        return out
    }
    // The app's device and the CLI's hold the same, byte for byte, once both synced.
    function converged(other) {
        cli(other, ["sync"])
        app.syncNow()
        tryVerify(() => company.exportOf(device) === company.exportOf(other), 30000, "both devices hold the same")
        return JSON.parse(company.exportOf(device))
    }
    function find(list, key, value) {
        for (const e of list) if (e[key] === value) return e
        fail(key + " " + value + " is not in the export")
    }
    // Drawn with the mouse on the signature pad.
    function sign(name) {
        settled()
        item("signerField").text = name
        const pad = item("signaturePad")
        mousePress(pad, 20, 40)
        mouseMove(pad, 80, 90)
        mouseMove(pad, 160, 30)
        mouseRelease(pad, 220, 80)
        tryVerify(() => !pad.empty)
        click("saveSignature")
    }
}
