// Package ingest reads the sources' outside formats into the records of the
// root package: bulk NDJSON files (plain, gzip or zstd), the registry's HTTP
// feeds, KoboToolbox survey exports (CSV and JSON) and the Kobo API, and the
// statistical formats as they are added. It never touches the
// warehouse; what it yields is validated by package transform.
package ingest
