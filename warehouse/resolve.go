package warehouse

import (
	"hash/maphash"
	"slices"

	"github.com/npit-mn/ictstat/warehouse/internal/pqwrite"
)

// mergeScratch is what a partition merge works in, kept from merge to
// merge (growing a map of a partition's keys anew each time was an eighth
// of what a bulk pull allocated).
type mergeScratch struct {
	state                  map[string]slot
	kind                   []uint8
	newest, older, exports []int32
	keys, sorted           []uint64 // for resolveFresh
	group                  []slot
}

// rowMask is the bits of a resolveFresh key that number its row.
const rowMask = 1<<24 - 1

// idHash is the hash resolveFresh sorts filing IDs by; tests make it
// collide.
var idHash = func() func(string) uint64 {
	seed := maphash.MakeSeed()
	return func(s string) uint64 { return maphash.String(seed, s) }
}()

// resolveFresh sets kind (see mergePartition) for the rows of a partition
// that holds no filings yet, most of a bulk pull's, and returns the rows
// accepted, those a later row superseded and those not newer than an
// earlier row. Instead of looking each filing_id up in a map, whose probes
// miss the cache at a partition's size, it sorts the rows by a hash of
// their ID (its top 40 bits, above the row's number in the key; radix
// sorted, stable, so rows of one hash stay in input order): the rows of a
// filing end up side by side, nearly always alone.
func (sc *mergeScratch) resolveFresh(incoming *pqwrite.Columns, kind []uint8) (accepted, superseded, stale int) {
	n := incoming.Rows()
	keys := sc.keys[:0]
	for i := range n {
		keys = append(keys, idHash(incoming.StringAt(colFilingID, i))&^rowMask|uint64(i))
	}
	keys, sc.sorted = radixSort(keys, sc.sorted, 3)
	sc.keys = keys
	for g := 0; g < n; {
		e := g + 1
		for e < n && keys[e]&^rowMask == keys[g]&^rowMask {
			e++
		}
		if e == g+1 {
			kind[keys[g]&rowMask] = 1
			accepted++
			g = e
			continue
		}
		// The rows of one filing, or rarely of several whose hashes
		// share their top bits, in input order.
		ids := sc.group[:0]
		for _, k := range keys[g:e] {
			r := int32(k & rowMask)
			id, rev := incoming.StringAt(colFilingID, int(r)), incoming.Int32At(colRevision, int(r))
			j := 0
			for j < len(ids) && ids[j].id != id {
				j++
			}
			switch {
			case j == len(ids):
				ids = append(ids, slot{id: id, rev: rev, inc: r})
			case rev <= ids[j].rev:
				stale++
				continue
			default:
				kind[ids[j].inc] = 2
				superseded++
				ids[j].rev, ids[j].inc = rev, r
			}
			kind[r] = 1
			accepted++
		}
		clear(ids) // let go of the IDs' memory
		sc.group = ids[:0]
		g = e
	}
	return accepted, superseded, stale
}

// radixSort sorts keys by their bytes from byte from up, stably (bytes
// below keep their order among keys equal above), through tmp; it returns
// the sorted keys and the other buffer.
func radixSort(keys, tmp []uint64, from int) ([]uint64, []uint64) {
	tmp = slices.Grow(tmp[:0], len(keys))[:len(keys)]
	for shift := 8 * from; shift < 64; shift += 8 {
		var count [257]int
		for _, k := range keys {
			count[k>>shift&0xff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, k := range keys {
			b := k >> shift & 0xff
			tmp[count[b]] = k
			count[b]++
		}
		keys, tmp = tmp, keys
	}
	return keys, tmp
}

// mergeScratches holds one scratch per merge that may run at once (two:
// see mergeSlots).
var mergeScratches = func() chan *mergeScratch {
	c := make(chan *mergeScratch, mergeSlots)
	for range mergeSlots {
		// Not nil: a nil selection means every row.
		c <- &mergeScratch{state: map[string]slot{}, newest: []int32{}, older: []int32{}, exports: []int32{}}
	}
	return c
}()

// selection appends to sel the numbers of the rows whose kind is k.
func selection(sel []int32, kind []uint8, k uint8) []int32 {
	for i, x := range kind {
		if x == k {
			sel = append(sel, int32(i))
		}
	}
	return sel
}
