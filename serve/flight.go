package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/output"
	"github.com/npit-mn/ictstat/warehouse"
)

// flightSQL is the Arrow Flight SQL face of the server: the same sandbox,
// roles, rate limits, admission queue and time limit as POST /api/v1/sql,
// for pandas, polars, R and DBeaver through their Flight SQL drivers.
type flightSQL struct {
	flightsql.BaseServer
	s *Server
}

// flightTicket is what a statement's ticket carries back to DoGet. The
// caller's identity is not in it: DoGet authenticates again.
type flightTicket struct {
	SQL string `json:"sql"`
}

// RunFlight serves Flight SQL on ln until ctx is done. Callers
// authenticate with the header "authorization: Bearer TOKEN".
func (s *Server) RunFlight(ctx context.Context, ln net.Listener) error {
	fs := &flightSQL{s: s}
	fs.Alloc = memory.DefaultAllocator
	for id, v := range map[flightsql.SqlInfo]any{
		flightsql.SqlInfoFlightSqlServerName:     "ictstat",
		flightsql.SqlInfoFlightSqlServerReadOnly: true,
		flightsql.SqlInfoFlightSqlServerSql:      true,
	} {
		if err := fs.RegisterSqlInfo(id, v); err != nil {
			return err
		}
	}
	auth := flightAuth{s}
	srv := flight.NewServerWithMiddleware([]flight.ServerMiddleware{{Unary: auth.unary, Stream: auth.stream}})
	srv.RegisterFlightService(flightsql.NewFlightServerWithAllocator(fs, memory.DefaultAllocator))
	srv.InitListener(ln)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			srv.Shutdown()
		case <-stop:
		}
	}()
	return srv.Serve()
}

// flightAuth resolves each call's bearer token as authenticate does for
// HTTP: none is the public, a wrong one is Unauthenticated.
type flightAuth struct{ s *Server }

func (a flightAuth) identify(ctx context.Context) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	h := md.Get("authorization")
	if len(h) == 0 {
		return ctx, nil
	}
	id, ok := a.s.lookup(h[0])
	if !ok {
		return nil, status.Error(codes.Unauthenticated, "unauthorized")
	}
	return context.WithValue(ctx, identityKey{}, id), nil
}

func (a flightAuth) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	ctx, err := a.identify(ctx)
	if err != nil {
		return nil, err
	}
	return next(ctx, req)
}

func (a flightAuth) stream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	ctx, err := a.identify(ss.Context())
	if err != nil {
		return err
	}
	return next(srv, identifiedStream{ss, ctx})
}

// identifiedStream carries the caller's identity in its context.
type identifiedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s identifiedStream) Context() context.Context { return s.ctx }

// allowed refuses callers below the researcher role.
func allowed(ctx context.Context) error {
	if identityOf(ctx).role < RoleResearcher {
		return status.Error(codes.PermissionDenied, "SQL needs the researcher role: connect with the header authorization: Bearer TOKEN")
	}
	return nil
}

// GetFlightInfoStatement answers a query with one endpoint whose ticket
// carries it; the query runs when the ticket is redeemed.
func (f *flightSQL) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if err := allowed(ctx); err != nil {
		return nil, err
	}
	if len(cmd.GetTransactionId()) > 0 {
		return nil, status.Error(codes.InvalidArgument, "transactions are not supported: the server is read-only")
	}
	handle, err := json.Marshal(flightTicket{SQL: cmd.GetQuery()})
	if err != nil {
		return nil, err
	}
	tkt, err := flightsql.CreateStatementQueryTicket(handle)
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1,
		Endpoint: []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: tkt}}}}, nil
}

// CreatePreparedStatement answers the JDBC driver (DBeaver), which prepares
// every query: the handle is the query, checked and run at DoGet.
// Parameters are not supported.
func (f *flightSQL) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (flightsql.ActionCreatePreparedStatementResult, error) {
	var res flightsql.ActionCreatePreparedStatementResult
	if err := allowed(ctx); err != nil {
		return res, err
	}
	if len(req.GetTransactionId()) > 0 {
		return res, status.Error(codes.InvalidArgument, "transactions are not supported: the server is read-only")
	}
	handle, err := json.Marshal(flightTicket{SQL: req.GetQuery()})
	res.Handle = handle
	return res, err
}

// ClosePreparedStatement has nothing to free: a handle is only its query.
func (f *flightSQL) ClosePreparedStatement(context.Context, flightsql.ActionClosePreparedStatementRequest) error {
	return nil
}

// GetFlightInfoPreparedStatement answers a prepared query as
// GetFlightInfoStatement does.
func (f *flightSQL) GetFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if err := allowed(ctx); err != nil {
		return nil, err
	}
	tkt, err := flightsql.CreateStatementQueryTicket(cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1,
		Endpoint: []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: tkt}}}}, nil
}

// DoGetStatement runs a ticket's query and streams its batches.
func (f *flightSQL) DoGetStatement(ctx context.Context, ticket flightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	if err := allowed(ctx); err != nil {
		return nil, nil, err
	}
	var t flightTicket
	if err := json.Unmarshal(ticket.GetStatementHandle(), &t); err != nil {
		return nil, nil, status.Error(codes.InvalidArgument, "bad ticket")
	}
	s := f.s
	id := identityOf(ctx)
	start := time.Now()
	if d, ok := s.limits.allow("token:"+id.name, s.opts.Now()); !ok {
		return nil, nil, status.Errorf(codes.ResourceExhausted, "too many queries from this token: retry in %s", d.Round(time.Second))
	}
	release, ok := s.admission.acquire(ctx)
	if !ok {
		return nil, nil, status.Error(codes.Unavailable, "the server is answering as many queries as it may: retry shortly")
	}
	qctx, cancel := context.WithTimeout(ctx, s.opts.SQLTimeout)
	access := warehouse.Research
	if id.role >= RoleAdmin {
		access = warehouse.Full
	}
	res, err := s.opts.SQL.Query(qctx, -1, t.SQL, access)
	if err != nil {
		st, gerr := flightError(qctx, err)
		cancel()
		release()
		s.auditEntry(id, "flight_sql", t.SQL, 0, st, start)
		return nil, nil, gerr
	}
	ch := make(chan flight.StreamChunk, 2)
	go func() {
		defer close(ch)
		defer release()
		defer cancel()
		defer res.Release()
		var rows int64
		for res.Next() {
			rec := res.RecordBatch()
			rec.Retain()
			select {
			case ch <- flight.StreamChunk{Data: rec}:
				rows += rec.NumRows()
			case <-ctx.Done():
				rec.Release()
				s.auditEntry(id, "flight_sql", t.SQL, rows, 499, start)
				return
			}
		}
		st := http.StatusOK
		if err := res.Err(); err != nil {
			var gerr error
			st, gerr = flightError(qctx, err)
			select {
			case ch <- flight.StreamChunk{Err: gerr}:
			case <-ctx.Done():
			}
		}
		s.auditEntry(id, "flight_sql", t.SQL, rows, st, start)
	}()
	return res.Schema(), ch, nil
}

// flightError maps a query's error to a gRPC status, with the HTTP status
// the audit log records.
func flightError(ctx context.Context, err error) (int, error) {
	switch {
	case ctx.Err() != nil:
		return http.StatusGatewayTimeout, status.Error(codes.DeadlineExceeded, "the query ran past its time limit and was stopped: narrow it")
	case errors.Is(err, warehouse.ErrTooLarge), errors.Is(err, output.ErrTooManyRows):
		return http.StatusRequestEntityTooLarge, status.Error(codes.ResourceExhausted, err.Error())
	case errors.Is(err, ictstat.ErrUsage), errors.Is(err, ictstat.ErrBadInput):
		return http.StatusBadRequest, status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, ictstat.ErrNotFound):
		return http.StatusNotFound, status.Error(codes.NotFound, err.Error())
	}
	return http.StatusInternalServerError, status.Error(codes.Internal, "query failed")
}
