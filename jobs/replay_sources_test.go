package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/warehouse"
)

// No SDMX-CSV rule depends on data the warehouse holds: the code lists
// (ISO 3166-1, EBOPS 2010) are compiled in, so the fix of a row refused
// for a code is an ictstat release whose list has it. The test plays that
// release: rows quarantined for a code the older list lacked (CW) are put
// in quarantine as that release wrote them (header and row), then
// replayed.
func TestReplayExports(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	const head = "DATAFLOW,ACTION,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE,OBS_STATUS"
	msg := head + "\n" +
		"BOM:ICT_SERV(1.0),I,Q,MN,KZ,C,SI2,2025-Q4,3.25,6,USD,P\n" + // line 2: committed
		"BOM:ICT_SERV(1.0),I,Q,MN,XK,C,SI2,2025-Q4,1,6,USD,P\n" + // line 3: XK is no ISO code
		"BOM:ICT_SERV(1.0),I,Q,MN,CN,X,SI2,2025-Q4,1,6,USD,P\n" // line 4: FLOW X
	if _, err := jobs.IngestExportsFile(ctx, wh, strings.NewReader(msg), "m.csv"); err != nil {
		t.Fatal(err)
	}
	older := `COUNTERPART_AREA: "CW" is neither an ISO 3166-1 alpha-2 country nor an area code (W1 world, 4A, _T)`
	// Stored out of line order: the replay must apply 7, 8, 9.
	appendQuarantine(t, wh, jobs.SourceExports,
		ictstat.Quarantined{Origin: "r.csv", Line: 9, Reason: older, Raw: head + "\nBOM:ICT_SERV(1.0),R,Q,MN,CW,C,SI2,2025-Q4,2,6,USD,E"},
		ictstat.Quarantined{Origin: "r.csv", Line: 7, Reason: older, Raw: head + "\nBOM:ICT_SERV(1.0),I,Q,MN,CW,C,SI2,2025-Q4,1.5,6,USD,P"},
		ictstat.Quarantined{Origin: "r.csv", Line: 8, Reason: "ACTION: stale reason", Raw: head + "\nBOM:ICT_SERV(1.0),D,Q,MN,KZ,C,SI2,2025-Q4,,,,"},
		ictstat.Quarantined{Origin: "older.csv", Line: 2, Reason: older, Raw: "BOM:ICT_SERV(1.0),I,Q,MN,CW,C,SI2,2025-Q4,1,6,USD,P"},
	)
	st, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Replayed != 3 || st.Remaining != 3 || len(st.Sources) != 1 || st.Sources[0] != (jobs.SourceReplay{Source: "exports", Replayed: 3, Remaining: 3}) {
		t.Fatalf("got %+v, want r.csv 7-9 replayed and 3 left", st)
	}
	// By hand: line 7 adds CW 1.5e6 P, line 8 deletes KZ, line 9 replaces
	// CW with 2e6 E. In the wrong order (9, 7) CW would end as 1.5e6 P.
	want := "MN|CW|C|SI2|2025-Q4|2|6|2e+06|E|r.csv|9\n"
	got := rowsText(testutil.Rows(t, wh, -1, "SELECT ref_area, counterpart_area, flow, service_item, time_period, obs_value, unit_mult, value, obs_status, source, source_line FROM bop_exports ORDER BY ALL"))
	if got != want {
		t.Errorf("got bop_exports\n%swant\n%s", got, want)
	}
	q := quarantineByOrigin(t, wh, jobs.SourceExports)
	checks := map[string]string{
		"m.csv:3":     `COUNTERPART_AREA: "XK" is neither`,
		"m.csv:4":     `FLOW: "X": want C`,
		"older.csv:2": "cannot be replayed: the row was quarantined without its header",
	}
	if len(q) != len(checks) {
		t.Errorf("got quarantine %v, want %d records", q, len(checks))
	}
	for at, reason := range checks {
		if !strings.Contains(q[at], reason) {
			t.Errorf("%s: got reason %q, want one with %q", at, q[at], reason)
		}
	}
	again, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{Source: jobs.SourceExports})
	if err != nil || again.Replayed != 0 || again.Snapshot != st.Snapshot {
		t.Errorf("got %+v, %v; want a second replay to change nothing", again, err)
	}
}

// Registrations have no rule that reference data in the warehouse decides
// either (the ISIC list is compiled in): the test plays a release whose
// list gained class 6311 with a record an older list refused.
func TestReplayRegistrations(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	good := `{"registry_no":"1234567","company_name":"Tenger Data LLC","isic4":"6311","zone":"UB-02","event":"registered","date":"2026-02-10"}`
	badNo := strings.Replace(good, "1234567", "12-4", 1)
	appendQuarantine(t, wh, jobs.SourceRegistrations,
		ictstat.Quarantined{Origin: "raw/registrations/p3.json", Line: 7, Reason: `isic4: "6311" is not an ISIC Rev.4 class`, Raw: good},
		ictstat.Quarantined{Origin: "raw/registrations/p3.json", Line: 8, Reason: "an older reason", Raw: badNo},
		ictstat.Quarantined{Origin: "raw/registrations/p3.json", Line: 9, Reason: "not JSON", Raw: `{"registry_no":`},
	)
	appendQuarantine(t, wh, jobs.SourceNationalAccounts,
		ictstat.Quarantined{Origin: "na.json", Line: 4, Reason: "sector: unmapped code", Raw: "SECTOR=J9 (ICT); value=12"})
	if _, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{Source: jobs.SourceNationalAccounts}); !errors.Is(err, ictstat.ErrUsage) || !errors.Is(err, jobs.ErrNationalAccountsReplay) {
		t.Errorf("got %v, want the national accounts answer (a usage error)", err)
	}
	st, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Replayed != 1 || st.Remaining != 2 || len(st.Notes) != 1 || !strings.Contains(st.Notes[0], "national_accounts: 1 cells not replayed") {
		t.Fatalf("got %+v, want 1 replayed, 2 left and a note on national accounts", st)
	}
	want := "1234567|Tenger Data LLC|6311|true|registered|2026-02-10|raw/registrations/p3.json|7\n"
	got := rowsText(testutil.Rows(t, wh, -1, "SELECT registry_no, company_name, isic4, ict_sector, event, strftime(date, '%Y-%m-%d'), source, source_line FROM registrations"))
	if got != want {
		t.Errorf("got registrations\n%swant\n%s", got, want)
	}
	if got := rowsText(testutil.Rows(t, wh, -1, "SELECT registry_no, active, strftime(registered_on, '%Y-%m-%d'), events FROM companies")); got != "1234567|true|2026-02-10|1\n" {
		t.Errorf("got companies %q, want the company rebuilt from its event", got)
	}
	q := quarantineByOrigin(t, wh, jobs.SourceRegistrations)
	if len(q) != 2 || !strings.HasPrefix(q["raw/registrations/p3.json:8"], `registry_no: "12-4" is not a state registration number`) || q["raw/registrations/p3.json:9"] == "not JSON" {
		t.Errorf("got quarantine %v, want lines 8 and 9 with their current reasons", q)
	}
	if n := testutil.Count(t, wh, "SELECT count(*) FROM quarantine WHERE source = 'national_accounts'"); n != 1 {
		t.Errorf("got %d national accounts cells in quarantine, want 1 left alone", n)
	}
	again, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{})
	if err != nil || again.Replayed != 0 || again.Snapshot != st.Snapshot {
		t.Errorf("got %+v, %v; want a second replay to change nothing", again, err)
	}
}
