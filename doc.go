// Package ictstat is the vocabulary of the ICT-sector statistics pipeline:
// the domain types that flow from the sources through validation into the
// warehouse (filings, exports, quarantined records), the classifications the
// sector is measured with (OECD ICT sector, EBOPS 2010, ISO 3166-1), the units
// every number carries, and the error kinds callers branch on.
//
// It imports no other package of the project; every other package imports it.
package ictstat
