package serve

import (
	"container/list"
	"sync"
)

// cache keeps rendered query results, least recently used out first, within
// a byte budget. Keys include the snapshot id, so a new snapshot never
// serves an old answer; entries of older snapshots age out.
type cache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	ll    *list.List
	items map[string]*list.Element
}

type entry struct {
	key         string
	body        []byte
	contentType string
	snapshot    int64
}

func newCache(maxBytes int64) *cache {
	return &cache{max: maxBytes, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *cache) get(key string) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(entry), true
	}
	return entry{}, false
}

func (c *cache) put(e entry) {
	n := int64(len(e.body) + len(e.key))
	if n > c.max/4 {
		return // one huge result must not flush everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		c.size -= int64(len(el.Value.(entry).body) + len(e.key))
		c.ll.Remove(el)
	}
	c.items[e.key] = c.ll.PushFront(e)
	c.size += n
	for c.size > c.max {
		last := c.ll.Back()
		old := last.Value.(entry)
		c.ll.Remove(last)
		delete(c.items, old.key)
		c.size -= int64(len(old.body) + len(old.key))
	}
}
