package warehouse

import (
	"github.com/npit-mn/ictstat/warehouse/internal/pqwrite"
)

// inputPool keeps emptied inputs for reuse: an input grows to the rows it
// gets, and growing a fresh one each time is memory the kernel hands over
// page by page. Pools are short: memory kept for later counts against the
// heap's limit (see bulkGC in cmd/ictstat) as much as memory in use.
type inputPool struct {
	free    chan *partInput
	maxSize int64 // inputs whose footprint is larger are let go; 0: none
}

// mergeInputs keeps the inputs of finished merges, as large as a
// partition, for the next merges (see mergeSlots); pieces keeps the inputs
// of batches (the rows of a chunk in one partition) that merges took over
// and are done with, for new batches.
var (
	mergeInputs = inputPool{free: make(chan *partInput, mergeSlots)}
	pieces      = piecePool{
		large: inputPool{free: make(chan *partInput, 64), maxSize: 4 << 20},
		small: inputPool{free: make(chan *partInput, 128)},
	}
)

// piecePool keeps the inputs of batches apart by size: most pieces are
// either a chunk's worth of one month or a few late amendments, and a
// small one given the rows of a large grows again and again.
type piecePool struct{ large, small inputPool }

// largePiece is the footprint from which a piece counts as large.
const largePiece = 128 << 10

func (p *piecePool) get(large bool) *partInput {
	pool := &p.small
	if large {
		pool = &p.large
	}
	in := pool.get()
	in.piece = true
	return in
}

func (p *piecePool) put(in *partInput) {
	if in.footprint() >= largePiece {
		p.large.put(in)
	} else {
		p.small.put(in)
	}
}

func (p inputPool) get() *partInput {
	select {
	case in := <-p.free:
		return in
	default:
		return newPartInput()
	}
}

// put empties in and keeps it for get. Nothing may refer to its memory
// any more.
func (p inputPool) put(in *partInput) {
	if p.maxSize > 0 && in.footprint() > p.maxSize {
		return
	}
	in.reset()
	in.tail = false
	select {
	case p.free <- in:
	default:
	}
}

// freeColumns keeps the columns a merge selects rows into, by table.
var freeColumns = map[*pqwrite.Table]chan *pqwrite.Columns{
	filingsTable: make(chan *pqwrite.Columns, 4),
	exportsTable: make(chan *pqwrite.Columns, 4),
}

func getColumns(t *pqwrite.Table) *pqwrite.Columns {
	select {
	case c := <-freeColumns[t]:
		return c
	default:
		return t.NewColumns()
	}
}

func putColumns(t *pqwrite.Table, c *pqwrite.Columns) {
	c.Reset()
	select {
	case freeColumns[t] <- c:
	default:
	}
}
