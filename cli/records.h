// The node's typed results as tables, with the columns the programs print
// (and their --json keys). One overload per result type.
#pragma once

#include <vector>

#include "cli/table.h"
#include "node/attachments.h"
#include "node/cases.h"
#include "node/catalogue.h"
#include "node/customers.h"
#include "node/exceptions.h"
#include "node/periods.h"
#include "node/shipments.h"
#include "node/stock.h"
#include "node/sync_client.h"
#include "node/visits.h"

namespace fieldsync::cli {

Table toTable(const node::NodeStatus& s);
Table toTable(const node::Enrolled& e);
Table toTable(const node::SyncReport& r);
Table toTable(const std::vector<node::DeviceInfo>& devices);

Table toTable(const node::ItemSaved& r);
Table toTable(const std::vector<node::ItemView>& items);
Table toTable(const node::LocationSaved& r);
Table toTable(const std::vector<node::LocationView>& locations);
Table toTable(const node::CustomerSaved& r);
Table toTable(const std::vector<node::CustomerView>& customers);
Table toTable(const node::CustomerHistory& h);
Table toTable(const node::SiteSaved& r);
Table toTable(const std::vector<node::SiteView>& sites);
Table toTable(const node::CustomersMigrated& m);
Table toTable(const node::UnitRegistered& r);
Table toTable(const node::UnitInstalled& r);
Table toTable(const node::UnitHistory& h);
Table toTable(const std::vector<node::UnitView>& units);
Table toTable(const node::ImportSummary& s, bool dry_run);

Table toTable(const node::MovePosted& m);
Table toTable(const node::CountPosted& c);
Table toTable(const std::vector<node::LedgerRow>& rows);
Table toTable(const std::vector<node::BalanceRow>& rows);
Table toTable(const std::vector<node::LowStockRow>& rows);
Table toTable(const node::StockRuleSaved& r);
Table toTable(const std::vector<node::StockRuleView>& rules);
Table toTable(const node::StockPolicyView& p);

Table toTable(const node::VisitStepped& r);
Table toTable(const std::vector<node::VisitRow>& rows);
Table toTable(const node::CaseOpened& r);
Table toTable(const node::VisitScheduled& r);
Table toTable(const node::CaseTransitioned& r);
Table toTable(const node::CaseNote& r, const char* what);  // what: "activity" or "signed_by"
Table toTable(const node::CaseView& v);
Table toTable(const std::vector<node::CaseRow>& rows);

Table toTable(const node::ShipmentCreated& r);
Table toTable(const node::LineAdded& r);
Table toTable(const node::Tracked& r);
Table toTable(const node::ShipmentView& v);
Table toTable(const std::vector<node::ShipmentRow>& rows);

Table toTable(const std::vector<node::AttachmentRow>& rows);
Table toTable(const std::vector<node::ExceptionRow>& rows);
Table toTable(const node::ExceptionView& v);
Table toTable(const node::Resolved& r);

Table toTable(const node::PeriodClosed& r);
Table toTable(const std::vector<node::PeriodRow>& rows);

}  // namespace fieldsync::cli
