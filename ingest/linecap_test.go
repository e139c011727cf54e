package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

// endless is a reader of one byte repeated forever: a line that never
// ends, as /dev/zero or a broken export gives.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// TestReadersCapALine feeds each CSV reader a valid header, then a line
// that never ends: each must stop with an InputError naming the line and
// the limit, and quote none of the line.
func TestReadersCapALine(t *testing.T) {
	t.Parallel()
	readers := map[string]struct {
		head string
		read func(io.Reader) error
	}{
		"fx":   {"date,currency,mnt_per_unit\n", func(r io.Reader) error { _, _, err := ReadFXRates(r, "fx.csv"); return err }},
		"kobo": {"_uuid,_submission_time,g/a\n", func(r io.Reader) error { _, _, err := ReadKoboCSV(r, "fx.csv"); return err }},
		"sdmx": {"DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE,OBS_STATUS\n",
			func(r io.Reader) error { _, _, _, err := ReadSDMXCSV(r, "fx.csv"); return err }},
	}
	for name, rd := range readers {
		for _, body := range []struct {
			what string
			r    io.Reader
		}{
			{"endless line", io.MultiReader(strings.NewReader(rd.head), endless('a'))},
			{"one byte too long", io.MultiReader(strings.NewReader(rd.head), strings.NewReader(strings.Repeat("b", MaxCSVLineBytes+1)+"\n"))},
			{"endless header", endless('h')},
		} {
			t.Run(name+"/"+body.what, func(t *testing.T) {
				err := rd.read(body.r)
				var ie *ictstat.InputError
				if !errors.As(err, &ie) {
					t.Fatalf("got %v, want an InputError", err)
				}
				// SDMX tells a header from its first field, before the limit.
				if sniffed := name == "sdmx" && body.what == "endless header"; !sniffed && !strings.Contains(ie.Reason, fmt.Sprint(MaxCSVLineBytes)) {
					t.Errorf("got %v, want it to name the limit %d", err, MaxCSVLineBytes)
				}
				want := int64(2)
				if body.what == "endless header" {
					want = 1
				}
				if ie.Line != want {
					t.Errorf("got line %d, want %d, the long line", ie.Line, want)
				}
				if len(err.Error()) > 300 {
					t.Errorf("got a message of %d bytes, want a short one: %.300s", len(err.Error()), err)
				}
			})
		}
	}
	// A line of exactly the limit passes the cap (and is judged as a row).
	r := io.MultiReader(strings.NewReader(readers["fx"].head), strings.NewReader(strings.Repeat("c", MaxCSVLineBytes)+"\n"))
	if _, bad, err := ReadFXRates(r, "fx.csv"); err != nil || len(bad) != 1 {
		t.Errorf("got %v, %d bad; want the line at the limit read and quarantined", err, len(bad))
	}
}

func TestReadDocumentCaps(t *testing.T) {
	t.Parallel()
	_, err := ReadDocument(endless('{'), "s.json", 1<<20)
	var ie *ictstat.InputError
	if !errors.As(err, &ie) || ie.File != "s.json" || !strings.Contains(ie.Reason, "1048576") {
		t.Errorf("got %v, want an InputError naming the limit", err)
	}
	if b, err := ReadDocument(bytes.NewReader([]byte("{}")), "s.json", 2); err != nil || string(b) != "{}" {
		t.Errorf("got %q, %v; want a document at the limit read", b, err)
	}
}

// TestMessagesQuoteAnExcerpt checks that refusals quote at most a short
// excerpt of a long bad input.
func TestMessagesQuoteAnExcerpt(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100_000)
	errs := map[string]error{}
	_, _, errs["fx header"] = ReadFXRates(strings.NewReader(long+",b,c\n"), "fx.csv")
	_, _, errs["fx column"] = ReadFXRates(strings.NewReader("date,"+long+",c\n"), "fx.csv")
	_, _, errs["kobo repeated column"] = ReadKoboCSV(strings.NewReader("_uuid,"+long+","+long+"\n"), "s.csv")
	_, errs["json-stat class"] = ReadJSONStat([]byte(`{"class":"`+long+`"}`), "na.json")
	for what, err := range errs {
		if err == nil || len(err.Error()) > 300 {
			t.Errorf("%s: got %d bytes of message (%.120v), want a refusal of at most 300", what, len(fmt.Sprint(err)), err)
		}
	}
}
