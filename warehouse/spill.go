package warehouse

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/npit-mn/ictstat"
)

// The spill codec writes validated filings to a transaction's scratch files
// between reading an input and merging it partition by partition. It is a
// private, versionless format: spill files never outlive their transaction.

func putString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putF64(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

func putOptF64(b []byte, v *float64) []byte {
	if v == nil {
		return append(b, 0)
	}
	return putF64(append(b, 1), *v)
}

func putBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// encodeFiling appends f (with its exports) to b. *source is the Source
// of the previous record in b, "" at the start of b: a record with the same
// one, as all of a file's are, stores a 0 instead (a string of length n is
// stored as n+1), and *source becomes f's.
func encodeFiling(b []byte, f *ictstat.Filing, source *string) []byte {
	for _, s := range [...]string{f.FilingID, f.RegistryNo, f.CompanyName, f.ISIC4, f.ISICDivision, f.Zone, f.Currency, f.Flags} {
		b = putString(b, s)
	}
	if f.Source != "" && f.Source == *source {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(f.Source))+1)
		b = append(b, f.Source...)
		*source = f.Source
	}
	b = binary.AppendVarint(b, int64(f.Revision))
	b = binary.AppendVarint(b, int64(f.Period))
	b = binary.AppendVarint(b, f.SubmittedAt)
	b = binary.AppendVarint(b, int64(f.Employees))
	b = binary.AppendVarint(b, int64(f.ExportLines))
	b = binary.AppendVarint(b, f.SourceLine)
	for _, v := range [...]float64{f.Revenue, f.IntermediateConsumption, f.FXRate, f.RevenueMNT, f.IntermediateMNT, f.GVAMNT, f.ExportsMNT} {
		b = putF64(b, v)
	}
	for _, v := range [...]*float64{f.Wages, f.RnDExpense, f.WagesMNT, f.RnDExpenseMNT} {
		b = putOptF64(b, v)
	}
	b = putBool(b, f.ICTSector)
	b = putBool(b, f.AI)
	b = putBool(b, f.Startup)
	b = binary.AppendUvarint(b, uint64(len(f.Programs)))
	for _, p := range f.Programs {
		b = putString(b, p)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Exports)))
	for i := range f.Exports {
		e := &f.Exports[i]
		b = putString(b, e.Country)
		b = putString(b, e.EBOPS)
		b = putBool(b, e.ICTService)
		b = putF64(b, e.Amount)
		b = putF64(b, e.AmountMNT)
	}
	return b
}

var errSpillCorrupt = errors.New("spill record corrupt")

// spillReader decodes records written by encodeFiling.
type spillReader struct {
	b   []byte
	err error
	opt []float64        // slab of the optional amounts, so that they are not one allocation each
	exp []ictstat.Export // slab of the exports, for the same reason
	src string           // Source of the previous record
}

func (r *spillReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *spillReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *spillReader) fail() {
	if r.err == nil {
		r.err = errSpillCorrupt
	}
	r.b = nil
}

func (r *spillReader) str() string {
	n := r.uvarint()
	if uint64(len(r.b)) < n {
		r.fail()
		return ""
	}
	if n == 0 {
		return ""
	}
	// The string aliases the spill buffer, which is never written again and
	// stays alive as long as any row decoded from it: one allocation per
	// partition instead of one per field.
	s := unsafe.String(&r.b[0], int(n))
	r.b = r.b[n:]
	return s
}

func (r *spillReader) f64() float64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *spillReader) byte1() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *spillReader) optF64() *float64 {
	if r.byte1() == 0 {
		return nil
	}
	v := r.f64()
	if len(r.opt) == cap(r.opt) {
		r.opt = make([]float64, 0, 1024)
	}
	r.opt = append(r.opt, v)
	return &r.opt[len(r.opt)-1]
}

// next decodes one filing into f.
func (r *spillReader) next(f *ictstat.Filing) error {
	for _, p := range [...]*string{&f.FilingID, &f.RegistryNo, &f.CompanyName, &f.ISIC4, &f.ISICDivision, &f.Zone, &f.Currency, &f.Flags} {
		*p = r.str()
	}
	if len(r.b) > 0 && r.b[0] == 0 {
		r.b = r.b[1:]
	} else if n := r.uvarint(); n > 0 && uint64(len(r.b)) >= n-1 {
		r.src = string(r.b[:n-1])
		r.b = r.b[n-1:]
	} else {
		r.fail()
	}
	f.Source = r.src
	f.Revision = int32(r.varint())
	f.Period = ictstat.Date(r.varint())
	f.SubmittedAt = r.varint()
	f.Employees = int32(r.varint())
	f.ExportLines = int32(r.varint())
	f.SourceLine = r.varint()
	for _, p := range [...]*float64{&f.Revenue, &f.IntermediateConsumption, &f.FXRate, &f.RevenueMNT, &f.IntermediateMNT, &f.GVAMNT, &f.ExportsMNT} {
		*p = r.f64()
	}
	for _, p := range [...]**float64{&f.Wages, &f.RnDExpense, &f.WagesMNT, &f.RnDExpenseMNT} {
		*p = r.optF64()
	}
	f.ICTSector = r.byte1() == 1
	f.AI = r.byte1() == 1
	f.Startup = r.byte1() == 1
	if n := r.uvarint(); n > 0 && n < 1<<16 {
		f.Programs = make([]string, n)
		for i := range f.Programs {
			f.Programs[i] = r.str()
		}
	}
	n := r.uvarint()
	if n > 1<<20 {
		r.fail()
	}
	if n > 0 && r.err == nil {
		if cap(r.exp)-len(r.exp) < int(n) {
			r.exp = make([]ictstat.Export, 0, max(1024, n))
		}
		f.Exports = r.exp[len(r.exp) : len(r.exp)+int(n) : len(r.exp)+int(n)]
		r.exp = r.exp[:len(r.exp)+int(n)]
		for i := range f.Exports {
			e := &f.Exports[i]
			e.FilingID, e.Revision, e.RegistryNo, e.Period, e.Currency = f.FilingID, f.Revision, f.RegistryNo, f.Period, f.Currency
			e.Country = r.str()
			e.EBOPS = r.str()
			e.ICTService = r.byte1() == 1
			e.Amount = r.f64()
			e.AmountMNT = r.f64()
		}
	}
	if r.err != nil {
		return fmt.Errorf("decode spilled filing: %w", r.err)
	}
	return nil
}
