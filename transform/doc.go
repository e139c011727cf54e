// Package transform holds the pure functions between reading and storing:
// validation against the source contracts (docs/sources.md), currency
// conversion and derived measures. Nothing here does I/O or logs.
package transform
