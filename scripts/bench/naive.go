package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"gongjian/config"
	"gongjian/internal/activity"
	"gongjian/internal/auth"
	"gongjian/internal/errs"
	"gongjian/internal/httpapi"
	"gongjian/internal/notify"
	"gongjian/internal/redisstore"
)

// naive is the baseline: the product's own HTTP stack for sign-ups
// (httpapi.Baseline: the same middleware, token check, rate limit in
// Redis, request decoding, answer encoding and error table), the same
// MariaDB and the same rows written per sign-up (a registration group, a
// registration, an outbox notice, in tables made LIKE the product's), but
// seats counted on a hot row: UPDATE … SET remaining = remaining - n WHERE
// remaining >= n, then the INSERTs, in one transaction per request. The two
// sides of the comparison differ only in how seats are counted (and, as a
// consequence, in how the rows are committed: ours in groups).
type naive struct {
	db  *sql.DB
	srv *http.Server
	url string

	mu       sync.RWMutex
	sessions map[int64]naiveSession
}

type naiveSession struct {
	title, place string
	startsAt     time.Time
}

var naiveSchema = []string{
	`CREATE TABLE IF NOT EXISTS naive_sessions (
  id BIGINT PRIMARY KEY AUTO_INCREMENT,
  remaining INT NOT NULL
) ENGINE=InnoDB`,
	"CREATE TABLE IF NOT EXISTS naive_groups LIKE registration_groups",
	"CREATE TABLE IF NOT EXISTS naive_registrations LIKE registrations",
	"CREATE TABLE IF NOT EXISTS naive_outbox LIKE outbox",
}

// startNaive serves the baseline on a free port. Tokens are checked with
// jwtSecret (the server's), sign-ups are rate-limited per account in rdb
// under prefix, with the server's default limits.
func startNaive(dsn string, jwtSecret []byte, rdb redis.UniversalClient, prefix string) (*naive, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(64)
	db.SetMaxIdleConns(64)
	for _, stmt := range naiveSchema {
		if _, err := db.Exec(stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("naive schema (the database must hold the server's tables): %w", err)
		}
	}
	n := &naive{db: db, sessions: map[int64]naiveSession{}}
	cfg := config.Defaults()
	gin.SetMode(gin.ReleaseMode)
	h := httpapi.Baseline(httpapi.Deps{
		Logger:       slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Registry:     prometheus.NewRegistry(),
		Auth:         auth.NewService(auth.Config{JWTSecret: jwtSecret}, nil, nil, nil, nil, nil),
		Limiter:      redisstore.NewLimiter(rdb, prefix),
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes,
		// As the bench's server: per account as in production, no
		// per-address limit (every simulated resident is 127.0.0.1).
		Limits: httpapi.Limits{RegistrationPerUser: cfg.Limits.RegistrationPerUser},
	}, n)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, err
	}
	n.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	n.url = "http://" + ln.Addr().String()
	go n.srv.Serve(ln)
	return n, nil
}

func (n *naive) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.srv.Shutdown(ctx)
	n.db.Close()
}

// session creates a naive session with that many seats.
func (n *naive) session(seats int) (int64, error) {
	res, err := n.db.Exec("INSERT INTO naive_sessions (remaining) VALUES (?)", seats)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	n.mu.Lock()
	n.sessions[id] = naiveSession{title: fmt.Sprintf("对照组讲座 %d", id), place: "压测剧场", startsAt: time.Now().Add(7 * 24 * time.Hour)}
	n.mu.Unlock()
	return id, nil
}

var errNaiveSession = errs.NotFound("SESSION_NOT_FOUND", "场次不存在")

// Register is the naive sign-up: one transaction holding the session's row
// lock from the seat count to the commit.
func (n *naive) Register(ctx context.Context, in activity.RegisterInput) (activity.RegisterResult, error) {
	if in.Admit != nil { // the rate limit, counted as ours counts it
		if err := in.Admit(ctx); err != nil {
			return activity.RegisterResult{}, err
		}
	}
	n.mu.RLock()
	sess, ok := n.sessions[in.SessionID]
	n.mu.RUnlock()
	if !ok {
		return activity.RegisterResult{}, errNaiveSession
	}
	if len(in.Attendees) == 0 || len(in.Attendees) > 10 {
		return activity.RegisterResult{}, errs.Invalid("INVALID_ATTENDEES", "请选择报名人")
	}
	// As ours: once seats may be taken, the request runs to its end.
	ctx = context.WithoutCancel(ctx)
	var out []activity.Registration
	err := func() error {
		tx, err := n.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		k := len(in.Attendees)
		res, err := tx.Exec("UPDATE naive_sessions SET remaining = remaining - ? WHERE id = ? AND remaining >= ?", k, in.SessionID, k)
		if err != nil {
			return err
		}
		if rows, _ := res.RowsAffected(); rows != 1 {
			return activity.ErrQuotaFull
		}
		now := time.Now().UTC()
		group := newGroupKey()
		if _, err := tx.Exec("INSERT INTO naive_groups (group_key, user_id, idem_key, activity_id, fingerprint, source, created_at) VALUES (?, ?, ?, ?, ?, 'self', ?)",
			group, in.UserID, in.IdemKey, in.SessionID, group, now); err != nil {
			return err
		}
		for _, at := range in.Attendees {
			key := activity.AttendeeKey(in.UserID, at.DependentID)
			res, err := tx.Exec(`INSERT INTO naive_registrations (activity_id, session_id, group_key, user_id, dependent_id, attendee_key, live_key,
  status, first_status, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'confirmed', 'confirmed', 'self', ?, ?)`,
				in.SessionID, in.SessionID, group, in.UserID, at.DependentID, key, key, now, now)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			reg := activity.Registration{ID: id, ActivityID: in.SessionID, SessionID: in.SessionID, UserID: in.UserID, DependentID: at.DependentID, Status: activity.RegConfirmed}
			if err := n.notice(tx, sess, reg, now); err != nil {
				return err
			}
			out = append(out, reg)
		}
		return tx.Commit()
	}()
	var me *mysqldrv.MySQLError
	switch {
	case err == nil:
		return activity.RegisterResult{Registrations: out}, nil
	case errors.As(err, &me) && me.Number == 1062:
		return activity.RegisterResult{}, errs.Conflict("ALREADY_REGISTERED", "已经报名过该场次，无需重复报名")
	case errs.KindOf(err) != errs.KindInternal:
		return activity.RegisterResult{}, err
	default:
		return activity.RegisterResult{}, errs.Unavailable(err, "报名服务暂时繁忙，请稍后再试")
	}
}

// notice writes the confirmation to the outbox, as the product does.
func (n *naive) notice(tx *sql.Tx, s naiveSession, r activity.Registration, now time.Time) error {
	when := activity.FormatTime(s.startsAt)
	fields, _ := json.Marshal(map[string]string{"activity": s.title, "time": when, "place": s.place, "status": "报名成功"})
	_, err := tx.Exec(`INSERT INTO naive_outbox (user_id, template_key, dedup_key, title, body, fields, page, activity_id, registration_id,
  status, due_at, priority, next_at, created_at, updated_at) VALUES (?, 'registration_confirmed', ?, '报名成功', ?, ?, 'pages/registrations/index', ?, ?, 'pending', ?, ?, ?, ?, ?)`,
		r.UserID, "reg:"+strconv.FormatInt(r.ID, 10)+":confirmed",
		"您已成功报名「"+s.title+"」，时间："+when+"，地点："+s.place+"。请准时参加。", string(fields),
		r.ActivityID, r.ID, now, notify.PriorityOf(notify.RegistrationConfirmed), now, now, now)
	return err
}

func newGroupKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
