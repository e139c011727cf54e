package serve

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/publish"
)

// Releases is the release log the server reads (*warehouse.Warehouse).
type Releases interface {
	Releases() ([]ictstat.ReleaseRecord, error)
}

// EmbargoAccess is one read of a release before its publication time.
type EmbargoAccess struct {
	At      time.Time `json:"at"`
	Who     string    `json:"who"`
	Role    string    `json:"role"`
	Remote  string    `json:"remote"`
	Release string    `json:"release"`
	File    string    `json:"file"`
}

// releaseView is a release as the API lists it.
type releaseView struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	PeriodStart string    `json:"period_start"`
	PeriodEnd   string    `json:"period_end"`
	PublishAt   time.Time `json:"publish_at"`
	Snapshot    int64     `json:"snapshot,omitempty"`
	Tables      []string  `json:"tables"`
	Files       []string  `json:"files,omitempty"`
	URL         string    `json:"url"`
}

// visibleReleases returns the release records with the status as of now.
func (s *Server) releaseRecords() ([]ictstat.ReleaseRecord, error) {
	if s.opts.Releases == nil {
		return nil, nil
	}
	recs, err := s.opts.Releases.Releases()
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	for i := range recs {
		if !now.Before(recs[i].PublishAt) {
			recs[i].Status = ictstat.ReleasePublished
		} else {
			recs[i].Status = ictstat.ReleasePrepared
		}
	}
	return recs, nil
}

// findRelease returns release id if the requester may see it: published,
// or any release for an administrator. Otherwise it is not found, so that
// an embargoed release cannot be told from a missing one.
func (s *Server) findRelease(r *http.Request, id string) (ictstat.ReleaseRecord, bool, error) {
	recs, err := s.releaseRecords()
	if err != nil {
		return ictstat.ReleaseRecord{}, false, err
	}
	for _, rec := range recs {
		if rec.ID == id && (rec.Status == ictstat.ReleasePublished || RoleOf(r) == RoleAdmin) {
			return rec, true, nil
		}
	}
	return ictstat.ReleaseRecord{}, false, nil
}

func (s *Server) view(rec ictstat.ReleaseRecord, withFiles bool) releaseView {
	v := releaseView{ID: rec.ID, Status: rec.Status, PeriodStart: rec.PeriodStart, PeriodEnd: rec.PeriodEnd,
		PublishAt: rec.PublishAt, Snapshot: rec.Snapshot, Tables: rec.Tables, URL: "/api/v1/releases/" + rec.ID}
	if withFiles {
		if m, err := publish.ReadManifest(rec.Folder); err == nil {
			for _, f := range m.Files {
				v.Files = append(v.Files, "/releases/"+rec.ID+"/"+f.Name)
			}
		}
	}
	return v
}

// listReleases answers GET /api/v1/releases: the published releases, for
// an administrator those under embargo too, and the calendar's releases not
// yet public, with their publication times (a calendar is public).
func (s *Server) listReleases(w http.ResponseWriter, r *http.Request) {
	recs, err := s.releaseRecords()
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "cannot read the releases", err)
		return
	}
	admin := RoleOf(r) == RoleAdmin
	out := []releaseView{}
	listed := map[string]bool{}
	for _, rec := range recs {
		if rec.Status == ictstat.ReleasePublished || admin {
			out = append(out, s.view(rec, false))
			listed[rec.ID] = true
		}
	}
	for _, c := range s.opts.Calendar.Releases {
		if !listed[c.ID] {
			out = append(out, releaseView{ID: c.ID, Status: ictstat.ReleaseScheduled, PeriodStart: c.Period.Start.Format(time.DateOnly),
				PeriodEnd: c.Period.LastDay().String(), PublishAt: c.PublishAt.UTC(), Tables: c.Tables})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"releases": out})
}

// getRelease answers GET /api/v1/releases/{id}: the release and its
// manifest.
func (s *Server) getRelease(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, ok, err := s.findRelease(r, id)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "cannot read the releases", err)
		return
	}
	if !ok {
		s.fail(w, http.StatusNotFound, "no such release", fmt.Errorf("release %q is not published (see /api/v1/releases)", id))
		return
	}
	m, err := publish.ReadManifest(rec.Folder)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "cannot read the release manifest", err)
		return
	}
	if rec.Status != ictstat.ReleasePublished {
		s.logEmbargo(r, id, publish.ManifestFile)
	}
	writeJSON(w, http.StatusOK, map[string]any{"release": s.view(rec, true), "manifest": m})
}

// releaseFile answers GET /releases/{id}/{file}: an artifact the release's
// manifest lists (the administrator's audit file besides), with its
// content type and an ETag from its sha256. Only names in the manifest are
// served, opened beneath the release folder without following a link out
// of it, so no other path is reachable.
func (s *Server) releaseFile(w http.ResponseWriter, r *http.Request) {
	id, name := r.PathValue("id"), r.PathValue("file")
	rec, ok, err := s.findRelease(r, id)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "cannot read the releases", err)
		return
	}
	notFound := func() {
		s.fail(w, http.StatusNotFound, "no such release file", fmt.Errorf("release %q has no published file %q (see /api/v1/releases/%s)", id, name, id))
	}
	if !ok || strings.ContainsAny(name, `/\`) {
		notFound()
		return
	}
	m, err := publish.ReadManifest(rec.Folder)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "cannot read the release manifest", err)
		return
	}
	entry, listed := m.File(name)
	switch {
	case listed:
	case name == publish.ManifestFile:
		entry = publish.FileEntry{Name: name, ContentType: publish.ContentType(name)}
	case name == publish.AuditFile && RoleOf(r) == RoleAdmin:
		entry = publish.FileEntry{Name: name, SHA256: m.AuditSHA256, ContentType: publish.ContentType(name)}
	default:
		notFound()
		return
	}
	root, err := os.OpenRoot(rec.Folder)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "cannot open the release folder", err)
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.Base(entry.Name))
	if errors.Is(err, os.ErrNotExist) {
		notFound()
		return
	}
	if err != nil {
		s.fail(w, http.StatusNotFound, "no such release file", err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		notFound()
		return
	}
	if rec.Status != ictstat.ReleasePublished {
		s.logEmbargo(r, id, name)
		w.Header().Set("Cache-Control", "private, no-store")
	}
	w.Header().Set("Content-Type", entry.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if entry.SHA256 != "" {
		w.Header().Set("ETag", `"`+entry.SHA256+`"`)
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// logEmbargo records a read before the publication time: who, when, which
// file.
func (s *Server) logEmbargo(r *http.Request, id, file string) {
	a := EmbargoAccess{At: s.opts.Now().UTC(), Who: TokenName(r), Role: RoleOf(r).String(), Remote: r.RemoteAddr, Release: id, File: file}
	s.log.Warn().Str("who", a.Who).Str("role", a.Role).Str("remote", a.Remote).Str("release", id).Str("file", file).Msg("release read under embargo")
	if s.opts.OnEmbargoAccess != nil {
		if err := s.opts.OnEmbargoAccess(a); err != nil {
			s.log.Error().Err(err).Msg("cannot record an access under embargo")
		}
	}
}

// releaseSnapshot returns the snapshot release id pinned, if the requester
// may see the release.
func (s *Server) releaseSnapshot(r *http.Request, id string) (int64, error) {
	rec, ok, err := s.findRelease(r, id)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("%w: release %q is not published (see /api/v1/releases)", ictstat.ErrNotFound, id)
	}
	return rec.Snapshot, nil
}
