<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pl_PL">
<context>
    <name>CasePage</name>
    <message>
        <location filename="../qml/CasePage.qml" line="49"/>
        <source>Unit %1</source>
        <translation>Urządzenie %1</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="50"/>
        <source>under warranty until %1</source>
        <translation>na gwarancji do %1</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="50"/>
        <source>warranty ended %1</source>
        <translation>gwarancja wygasła %1</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="51"/>
        <source>no warranty recorded</source>
        <translation>brak zapisanej gwarancji</translation>
    </message>
    <message numerus="yes">
        <location filename="../qml/CasePage.qml" line="55"/>
        <source>Reopened %n times</source>
        <translation>
            <numerusform>Wznowione %n raz</numerusform>
            <numerusform>Wznowione %n razy</numerusform>
            <numerusform>Wznowione %n razy</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="77"/>
        <source>Work log</source>
        <translation>Dziennik prac</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="84"/>
        <source>What was done</source>
        <translation>Co zostało zrobione</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="90"/>
        <source>Add</source>
        <translation>Dodaj</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="99"/>
        <source>Part from my van %1</source>
        <translation>Część z mojego auta %1</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="114"/>
        <source>Serial (scan)</source>
        <translation>Numer seryjny (zeskanuj)</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="120"/>
        <source>Qty</source>
        <translation>Ilość</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="125"/>
        <source>Use</source>
        <translation>Użyj</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="141"/>
        <source>Customer sign-off</source>
        <translation>Potwierdzenie klienta</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="142"/>
        <source>Sign-off of %1</source>
        <translation>Potwierdzenie %1</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="151"/>
        <source>History</source>
        <translation>Historia</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="188"/>
        <source>Cancel case %1?</source>
        <translation>Anulować zlecenie %1?</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="192"/>
        <source>A cancelled case cannot be reopened.</source>
        <translation>Anulowanego zlecenia nie można wznowić.</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="195"/>
        <source>Cancel the case</source>
        <translation>Anuluj zlecenie</translation>
    </message>
    <message>
        <location filename="../qml/CasePage.qml" line="196"/>
        <source>Keep it</source>
        <translation>Zostaw</translation>
    </message>
</context>
<context>
    <name>DriverHome</name>
    <message>
        <location filename="../qml/DriverHome.qml" line="10"/>
        <source>My deliveries</source>
        <translation>Moje dostawy</translation>
    </message>
    <message>
        <location filename="../qml/DriverHome.qml" line="26"/>
        <source>To deliver</source>
        <translation>Do dostarczenia</translation>
    </message>
    <message>
        <location filename="../qml/DriverHome.qml" line="26"/>
        <source>Done</source>
        <translation>Zrobione</translation>
    </message>
    <message numerus="yes">
        <location filename="../qml/DriverHome.qml" line="46"/>
        <source>%n lines</source>
        <translation>
            <numerusform>%n pozycja</numerusform>
            <numerusform>%n pozycje</numerusform>
            <numerusform>%n pozycji</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../qml/DriverHome.qml" line="47"/>
        <source>%n failed attempts</source>
        <translation>
            <numerusform>%n nieudana próba</numerusform>
            <numerusform>%n nieudane próby</numerusform>
            <numerusform>%n nieudanych prób</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../qml/DriverHome.qml" line="58"/>
        <source>No shipments on this device yet. They arrive when the office plans them and the device syncs.</source>
        <translation>Na tym urządzeniu nie ma jeszcze przesyłek. Pojawią się, gdy biuro je zaplanuje, a urządzenie się zsynchronizuje.</translation>
    </message>
</context>
<context>
    <name>EnrollPage</name>
    <message>
        <location filename="../qml/EnrollPage.qml" line="11"/>
        <source>Set up this device</source>
        <translation>Skonfiguruj to urządzenie</translation>
    </message>
    <message>
        <location filename="../qml/EnrollPage.qml" line="27"/>
        <source>Paste or scan the enrollment string your office gave you. It starts with fs1:</source>
        <translation>Wklej lub zeskanuj kod rejestracji otrzymany z biura. Zaczyna się od fs1:</translation>
    </message>
    <message>
        <location filename="../qml/EnrollPage.qml" line="52"/>
        <source>Enrolling…</source>
        <translation>Rejestracja…</translation>
    </message>
    <message>
        <location filename="../qml/EnrollPage.qml" line="52"/>
        <source>Enroll</source>
        <translation>Zarejestruj</translation>
    </message>
    <message>
        <location filename="../qml/EnrollPage.qml" line="57"/>
        <source>This is not an enrollment string: it must start with fs1:</source>
        <translation>To nie jest kod rejestracji: musi zaczynać się od fs1:</translation>
    </message>
</context>
<context>
    <name>ExceptionPage</name>
    <message>
        <location filename="../qml/ExceptionPage.qml" line="26"/>
        <source>What happened</source>
        <translation>Co się stało</translation>
    </message>
    <message>
        <location filename="../qml/ExceptionPage.qml" line="28"/>
        <source>Suggested</source>
        <translation>Propozycje</translation>
    </message>
    <message>
        <location filename="../qml/ExceptionPage.qml" line="37"/>
        <source>Held ops are released or rejected on the server (fieldsync-server exceptions resolve).</source>
        <translation>Wstrzymane operacje zwalnia lub odrzuca serwer (fieldsync-server exceptions resolve).</translation>
    </message>
    <message>
        <location filename="../qml/ExceptionPage.qml" line="43"/>
        <source>Resolution note (required)</source>
        <translation>Uwagi do rozwiązania (wymagane)</translation>
    </message>
    <message>
        <location filename="../qml/ExceptionPage.qml" line="50"/>
        <source>Adjust by (signed quantity), or</source>
        <translation>Koryguj o (ilość ze znakiem) lub</translation>
    </message>
    <message>
        <location filename="../qml/ExceptionPage.qml" line="59"/>
        <source>no transfer</source>
        <translation>bez przesunięcia</translation>
    </message>
    <message>
        <location filename="../qml/ExceptionPage.qml" line="65"/>
        <source>Resolve</source>
        <translation>Rozwiąż</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../qml/Labels.qml" line="8"/>
        <source>New</source>
        <translation>Nowe</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="9"/>
        <source>Open</source>
        <translation>Otwarte</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="10"/>
        <source>Scheduled</source>
        <translation>Zaplanowane</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="11"/>
        <source>In progress</source>
        <translation>W toku</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="12"/>
        <source>On hold</source>
        <translation>Wstrzymane</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="13"/>
        <source>Resolved</source>
        <translation>Rozwiązane</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="14"/>
        <source>Closed</source>
        <translation>Zamknięte</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="15"/>
        <source>Reopened</source>
        <translation>Wznowione</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="16"/>
        <source>Cancelled</source>
        <translation>Anulowane</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="17"/>
        <source>Created</source>
        <translation>Utworzona</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="18"/>
        <source>Ready</source>
        <translation>Gotowa</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="19"/>
        <source>Dispatched</source>
        <translation>Wysłana</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="20"/>
        <source>In transit</source>
        <translation>W drodze</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="21"/>
        <source>Out for delivery</source>
        <translation>W doręczeniu</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="22"/>
        <source>Delivered</source>
        <translation>Doręczona</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="23"/>
        <source>Partially delivered</source>
        <translation>Doręczona częściowo</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="24"/>
        <source>Attempt failed</source>
        <translation>Nieudana próba</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="25"/>
        <source>Returning</source>
        <translation>Wraca</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="26"/>
        <source>Returned</source>
        <translation>Zwrócona</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="34"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="35"/>
        <source>Work</source>
        <translation>Praca</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="36"/>
        <source>Sign-off</source>
        <translation>Potwierdzenie</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="37"/>
        <source>Part used</source>
        <translation>Użyta część</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="38"/>
        <source>Visit</source>
        <translation>Wizyta</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="44"/>
        <source>Start work</source>
        <translation>Rozpocznij pracę</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="45"/>
        <source>Put on hold</source>
        <translation>Wstrzymaj</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="46"/>
        <source>Resolve</source>
        <translation>Rozwiąż</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="47"/>
        <source>Close</source>
        <translation>Zamknij</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="48"/>
        <source>Reopen</source>
        <translation>Wznów</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="49"/>
        <source>Cancel</source>
        <translation>Anuluj</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="50"/>
        <source>Schedule</source>
        <translation>Zaplanuj</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="51"/>
        <source>Back to open</source>
        <translation>Przywróć do otwartych</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="52"/>
        <source>Mark ready</source>
        <translation>Oznacz jako gotową</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="53"/>
        <source>Dispatch</source>
        <translation>Wyślij</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="54"/>
        <source>Mark in transit</source>
        <translation>Oznacz: w drodze</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="55"/>
        <source>Out for delivery</source>
        <comment>the button</comment>
        <translation>Wyjazd z dostawą</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="56"/>
        <source>Deliver</source>
        <translation>Doręcz</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="57"/>
        <source>Failed attempt</source>
        <translation>Nieudana próba</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="58"/>
        <source>Return to origin</source>
        <translation>Zwróć do nadawcy</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="59"/>
        <source>Mark returned</source>
        <translation>Oznacz jako zwróconą</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="65"/>
        <source>Receipt</source>
        <translation>Przyjęcie</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="66"/>
        <source>Issue</source>
        <translation>Wydanie</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="67"/>
        <source>Transfer</source>
        <translation>Przesunięcie</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="68"/>
        <source>Arrival</source>
        <translation>Odbiór przesunięcia</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="69"/>
        <source>Count</source>
        <translation>Inwentaryzacja</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="75"/>
        <source>Technician</source>
        <translation>Serwisant</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="76"/>
        <source>Warehouse</source>
        <translation>Magazyn</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="77"/>
        <source>Driver</source>
        <translation>Kierowca</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="78"/>
        <source>Supervisor</source>
        <translation>Kierownik</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="79"/>
        <source>Administrator</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="85"/>
        <source>Nobody at home</source>
        <translation>Nikogo nie ma</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="86"/>
        <source>Refused</source>
        <translation>Odmowa przyjęcia</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="87"/>
        <source>Address wrong</source>
        <translation>Błędny adres</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="88"/>
        <source>Damaged</source>
        <translation>Uszkodzone</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="95"/>
        <source>delivered %1</source>
        <translation>doręczono %1</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="96"/>
        <source>refused %1</source>
        <translation>odmówiono %1</translation>
    </message>
    <message>
        <location filename="../qml/Labels.qml" line="97"/>
        <source>back in stock %1</source>
        <translation>z powrotem na stanie %1</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <location filename="../qml/Main.qml" line="137"/>
        <source>This device&apos;s view disagrees</source>
        <translation>Dane tego urządzenia się nie zgadzają</translation>
    </message>
    <message>
        <location filename="../qml/Main.qml" line="137"/>
        <source>Not done</source>
        <translation>Nie wykonano</translation>
    </message>
    <message>
        <location filename="../qml/Main.qml" line="142"/>
        <source>If you saw it happen, record it anyway: it is marked as forced and the office reconciles it.</source>
        <translation>Jeśli widzisz, że tak się stało, zapisz mimo to: zostanie oznaczone jako wymuszone, a biuro to uzgodni.</translation>
    </message>
    <message>
        <location filename="../qml/Main.qml" line="148"/>
        <source>Record anyway</source>
        <translation>Zapisz mimo to</translation>
    </message>
    <message>
        <location filename="../qml/Main.qml" line="153"/>
        <source>Cancel</source>
        <translation>Anuluj</translation>
    </message>
    <message>
        <location filename="../qml/Main.qml" line="153"/>
        <source>OK</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>ShipmentPage</name>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="47"/>
        <source>From %1</source>
        <translation>Z %1</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="65"/>
        <source>Why refused</source>
        <translation>Powód odmowy</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="85"/>
        <source>Deliver with signature</source>
        <translation>Doręcz z podpisem</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="85"/>
        <source>Deliver the rest with signature</source>
        <translation>Doręcz resztę z podpisem</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="87"/>
        <source>Proof of delivery of %1</source>
        <translation>Potwierdzenie doręczenia %1</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="87"/>
        <source>Recipient</source>
        <translation>Odbiorca</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="106"/>
        <source>Failed attempt</source>
        <translation>Nieudana próba</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="111"/>
        <source>Lines</source>
        <translation>Pozycje</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="117"/>
        <source>Mark what the customer refuses; the rest is delivered.</source>
        <translation>Zaznacz, czego klient nie przyjmuje; reszta zostanie doręczona.</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="137"/>
        <source>refused, back in stock</source>
        <translation>odmowa, z powrotem na stanie</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="138"/>
        <source>refused</source>
        <translation>odmowa</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="143"/>
        <location filename="../qml/ShipmentPage.qml" line="153"/>
        <source>Refused</source>
        <translation>Odmowa</translation>
    </message>
    <message>
        <location filename="../qml/ShipmentPage.qml" line="169"/>
        <source>Tracking</source>
        <translation>Śledzenie</translation>
    </message>
</context>
<context>
    <name>SignaturePage</name>
    <message>
        <location filename="../qml/SignaturePage.qml" line="10"/>
        <source>Name of the person signing</source>
        <translation>Imię i nazwisko podpisującego</translation>
    </message>
    <message>
        <location filename="../qml/SignaturePage.qml" line="24"/>
        <source>Sign here</source>
        <translation>Podpisz tutaj</translation>
    </message>
    <message>
        <location filename="../qml/SignaturePage.qml" line="42"/>
        <source>Write the name of the person signing</source>
        <translation>Wpisz imię i nazwisko podpisującego</translation>
    </message>
    <message>
        <location filename="../qml/SignaturePage.qml" line="42"/>
        <source>Draw the signature: a tap is not one</source>
        <translation>Narysuj podpis: samo dotknięcie nie jest podpisem</translation>
    </message>
    <message>
        <location filename="../qml/SignaturePage.qml" line="46"/>
        <source>Clear</source>
        <translation>Wyczyść</translation>
    </message>
    <message>
        <location filename="../qml/SignaturePage.qml" line="51"/>
        <source>Save</source>
        <translation>Zapisz</translation>
    </message>
</context>
<context>
    <name>SupervisorHome</name>
    <message>
        <location filename="../qml/SupervisorHome.qml" line="11"/>
        <location filename="../qml/SupervisorHome.qml" line="16"/>
        <source>Exceptions</source>
        <translation>Wyjątki</translation>
    </message>
    <message>
        <location filename="../qml/SupervisorHome.qml" line="17"/>
        <source>Devices</source>
        <translation>Urządzenia</translation>
    </message>
    <message>
        <location filename="../qml/SupervisorHome.qml" line="46"/>
        <source>No open exceptions</source>
        <translation>Brak otwartych wyjątków</translation>
    </message>
    <message>
        <location filename="../qml/SupervisorHome.qml" line="65"/>
        <source>revoked</source>
        <translation>unieważnione</translation>
    </message>
    <message>
        <location filename="../qml/SupervisorHome.qml" line="66"/>
        <source>Last sync %1</source>
        <translation>Ostatnia synchronizacja %1</translation>
    </message>
    <message>
        <location filename="../qml/SupervisorHome.qml" line="66"/>
        <source>Never synced</source>
        <translation>Nigdy nie synchronizowano</translation>
    </message>
    <message>
        <location filename="../qml/SupervisorHome.qml" line="75"/>
        <source>The devices are listed once this device has synced.</source>
        <translation>Lista urządzeń pojawi się po synchronizacji tego urządzenia.</translation>
    </message>
</context>
<context>
    <name>SyncBar</name>
    <message>
        <location filename="../qml/SyncBar.qml" line="31"/>
        <source>Back</source>
        <translation>Wstecz</translation>
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="16"/>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="16"/>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message numerus="yes">
        <location filename="../qml/SyncBar.qml" line="17"/>
        <source>%n to send</source>
        <translation>
            <numerusform>%n do wysłania</numerusform>
            <numerusform>%n do wysłania</numerusform>
            <numerusform>%n do wysłania</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="50"/>
        <source>Syncing…</source>
        <translation>Synchronizacja…</translation>
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="50"/>
        <source>Sync now</source>
        <translation>Synchronizuj</translation>
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="66"/>
        <source>Last sync %1</source>
        <translation>Ostatnia synchronizacja %1</translation>
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="67"/>
        <source>Not synced yet</source>
        <translation>Jeszcze nie synchronizowano</translation>
    </message>
</context>
<context>
    <name>TechnicianHome</name>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="11"/>
        <source>My cases</source>
        <translation>Moje zlecenia</translation>
    </message>
    <message numerus="yes">
        <location filename="../qml/TechnicianHome.qml" line="49"/>
        <source>reopened %n times</source>
        <translation>
            <numerusform>wznowione %n raz</numerusform>
            <numerusform>wznowione %n razy</numerusform>
            <numerusform>wznowione %n razy</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="62"/>
        <source>No cases on this device yet. They arrive when the office assigns them and the device syncs.</source>
        <translation>Na tym urządzeniu nie ma jeszcze zleceń. Pojawią się, gdy biuro je przydzieli, a urządzenie się zsynchronizuje.</translation>
    </message>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="76"/>
        <location filename="../qml/TechnicianHome.qml" line="89"/>
        <source>Register a unit on site</source>
        <translation>Zarejestruj urządzenie na miejscu</translation>
    </message>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="101"/>
        <source>Serial (scan or type)</source>
        <translation>Numer seryjny (zeskanuj lub wpisz)</translation>
    </message>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="102"/>
        <source>Customer</source>
        <translation>Klient</translation>
    </message>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="103"/>
        <source>Site</source>
        <translation>Lokalizacja klienta</translation>
    </message>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="107"/>
        <source>Register</source>
        <translation>Zarejestruj</translation>
    </message>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="108"/>
        <source>Cancel</source>
        <translation>Anuluj</translation>
    </message>
    <message>
        <location filename="../qml/TechnicianHome.qml" line="112"/>
        <source>Choose the item and give the serial</source>
        <translation>Wybierz towar i podaj numer seryjny</translation>
    </message>
</context>
<context>
    <name>WarehouseHome</name>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="11"/>
        <source>Warehouse</source>
        <translation>Magazyn</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="18"/>
        <source>Scan</source>
        <translation>Skanuj</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="19"/>
        <source>Stock</source>
        <translation>Stan</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="21"/>
        <source>Low stock</source>
        <translation>Niski stan</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="79"/>
        <source>Scan or type, then Enter</source>
        <translation>Zeskanuj lub wpisz, potem Enter</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="91"/>
        <source>From %1</source>
        <translation>Z %1</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="91"/>
        <source>At %1</source>
        <translation>W %1</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="94"/>
        <source>item %1</source>
        <translation>towar %1</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="118"/>
        <source>Confirm</source>
        <translation>Zatwierdź</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="156"/>
        <source>All still in transit</source>
        <translation>Wszystko, co jest jeszcze w drodze</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="173"/>
        <source>Record anyway</source>
        <translation>Zapisz mimo to</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="124"/>
        <source>Start over</source>
        <translation>Zacznij od nowa</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="138"/>
        <source>To post (press and hold a line to remove it)</source>
        <translation>Do zaksięgowania (przytrzymaj pozycję, aby ją usunąć)</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="213"/>
        <source>%1 of %2</source>
        <translation>%1 z %2</translation>
    </message>
    <message>
        <location filename="../qml/WarehouseHome.qml" line="219"/>
        <source>Nothing is below its threshold</source>
        <translation>Nic nie jest poniżej progu</translation>
    </message>
</context>
<context>
    <name>fieldsync::mobile::App</name>
    <message>
        <location filename="../app.cpp" line="117"/>
        <source>The server did not accept some of your offline work (%1): this device no longer had the right to make it when it arrived, for example a case reassigned meanwhile. Your supervisor decides whether it applies.</source>
        <translation>Serwer nie przyjął części twojej pracy wykonanej offline (%1): gdy dotarła, to urządzenie nie miało już do niej prawa, np. zlecenie zostało w międzyczasie przekazane komuś innemu. Kierownik zdecyduje, czy zostanie zastosowana.</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="188"/>
        <source>Enrolled as %1 of %2 with the server at %3, key %4…</source>
        <translation>Zarejestrowano jako %1 oddziału %2 na serwerze %3, klucz %4…</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="238"/>
        <source>Offline: %1. Trying again in %2 s; your work is kept.</source>
        <translation>Offline: %1. Ponowna próba za %2 s; twoja praca jest zachowana.</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="269"/>
        <source>Sync stopped: %1</source>
        <translation>Synchronizacja zatrzymana: %1</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="383"/>
        <source>Case %1 is no longer on this device: it was reassigned or closed elsewhere.</source>
        <translation>Zlecenia %1 nie ma już na tym urządzeniu: przekazano je komuś innemu lub zamknięto gdzie indziej.</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="385"/>
        <source>Shipment %1 is no longer on this device: it was given to another driver.</source>
        <translation>Przesyłki %1 nie ma już na tym urządzeniu: przekazano ją innemu kierowcy.</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="387"/>
        <source>Exception %1 is no longer on this device.</source>
        <translation>Wyjątku %1 nie ma już na tym urządzeniu.</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="468"/>
        <source>Case %1 is %2</source>
        <translation>Zlecenie %1: %2</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="476"/>
        <source>Work logged on %1</source>
        <translation>Zapisano pracę w %1</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="488"/>
        <source>No van is assigned to you: the office assigns one</source>
        <translation>Nie masz przydzielonego auta: przydziela je biuro</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="497"/>
        <source>Part %1 used on %2</source>
        <translation>Część %1 użyta w %2</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="505"/>
        <source>%1 signed off %2</source>
        <translation>%1 potwierdził(a) %2</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="518"/>
        <source>Unit %1 %2 registered</source>
        <translation>Zarejestrowano urządzenie %1 %2</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="542"/>
        <source>Shipment %1 is %2</source>
        <translation>Przesyłka %1: %2</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="559"/>
        <source>%1 resolved</source>
        <translation>Rozwiązano %1</translation>
    </message>
    <message>
        <location filename="../app.cpp" line="560"/>
        <source>%1 resolved with %2</source>
        <translation>Rozwiązano %1: %2</translation>
    </message>
</context>
<context>
    <name>fieldsync::mobile::HistoryModel</name>
    <message>
        <location filename="../list_models.cpp" line="96"/>
        <source>%1 until %2</source>
        <translation>%1 do %2</translation>
    </message>
    <message>
        <location filename="../list_models.cpp" line="97"/>
        <source>signed by %1</source>
        <translation>podpisał(a) %1</translation>
    </message>
</context>
<context>
    <name>fieldsync::mobile::ScanFlow</name>
    <message>
        <location filename="../scan_flow.cpp" line="35"/>
        <source>Scan the location to take the goods from</source>
        <translation>Zeskanuj miejsce, z którego bierzesz towar</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="36"/>
        <source>Scan the location</source>
        <translation>Zeskanuj miejsce</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="37"/>
        <source>Scan the location to put the goods in</source>
        <translation>Zeskanuj miejsce, do którego kładziesz towar</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="38"/>
        <source>Scan the transfer&apos;s document number (D-...)</source>
        <translation>Zeskanuj numer dokumentu przesunięcia (D-...)</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="40"/>
        <source>Scan what arrived, or confirm that all of it arrived</source>
        <translation>Zeskanuj, co przyszło, lub zatwierdź, że przyszło wszystko</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="41"/>
        <source>Scan items and serials, then confirm</source>
        <translation>Skanuj towary i numery seryjne, potem zatwierdź</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="73"/>
        <source>%1 is not a location that holds stock</source>
        <translation>%1 nie jest miejscem składowania</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="75"/>
        <source>%1 holds what is on its way: scan the location it arrives at (arrival)</source>
        <translation>%1 to towar w drodze: zeskanuj miejsce, do którego przychodzi (odbiór przesunięcia)</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="82"/>
        <source>The goods are already at %1: scan where they go</source>
        <translation>Towar jest już w %1: zeskanuj, dokąd idzie</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="95"/>
        <source>%1 is too long for a code or serial (at most %2 bytes)</source>
        <translation>%1 jest za długi na kod lub numer seryjny (najwyżej %2 bajtów)</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="113"/>
        <location filename="../scan_flow.cpp" line="126"/>
        <source>%1 is scanned already</source>
        <translation>%1 jest już zeskanowany</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="118"/>
        <source>%1 is a location: confirm or start over to change the location</source>
        <translation>%1 to miejsce: zatwierdź lub zacznij od nowa, aby zmienić miejsce</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="123"/>
        <source>%1 is neither an item nor a known serial: scan an item first</source>
        <translation>%1 nie jest ani towarem, ani znanym numerem seryjnym: najpierw zeskanuj towar</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="129"/>
        <source>%1 is not known; %2 is not tracked by serial (type a number for its quantity)</source>
        <translation>%1 jest nieznany; %2 nie ma numerów seryjnych (wpisz liczbę jako ilość)</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="131"/>
        <source>A quantity is more than 0 (a count may be 0): %1</source>
        <translation>Ilość musi być większa od 0 (inwentaryzacja może wynosić 0): %1</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="157"/>
        <source>Counted %1 at %2: %3 (variance %4)</source>
        <translation>Policzono %1 w %2: %3 (różnica %4)</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="163"/>
        <source>%1 arrived at %2</source>
        <translation>%1 przyjęto w %2</translation>
    </message>
    <message>
        <location filename="../scan_flow.cpp" line="178"/>
        <source>%1 posted: %2 %3 from %4 to %5</source>
        <translation>Zaksięgowano %1: %2 %3 z %4 do %5</translation>
    </message>
    <message numerus="yes">
        <location filename="../scan_flow.cpp" line="198"/>
        <source>Lines not posted: %n; the reason is under each</source>
        <translation>
            <numerusform>Niezaksięgowane pozycje: %n; powód pod każdą</numerusform>
            <numerusform>Niezaksięgowane pozycje: %n; powód pod każdą</numerusform>
            <numerusform>Niezaksięgowanych pozycji: %n; powód pod każdą</numerusform>
        </translation>
    </message>
</context>
</TS>
