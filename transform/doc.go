// Package transform holds the pure functions between reading and storing:
// validation against the source contracts, currency conversion and derived
// measures. Nothing here does I/O or logs.
package transform
