package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	_ "github.com/go-sql-driver/mysql"

	"gongjian/internal/auth"
)

// naive is the baseline: the same HTTP stack (gin, HS256 access tokens
// checked by the same code), the same MariaDB, but seats counted on a hot
// row: UPDATE … SET remaining = remaining - 1 WHERE remaining > 0, then
// INSERT, in one transaction per request.
type naive struct {
	db   *sql.DB
	auth *auth.Service
	srv  *http.Server
	url  string
}

const naiveSchema = `
CREATE TABLE IF NOT EXISTS naive_sessions (
  id BIGINT PRIMARY KEY AUTO_INCREMENT,
  remaining INT NOT NULL
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS naive_registrations (
  id BIGINT PRIMARY KEY AUTO_INCREMENT,
  session_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_naive (session_id, user_id)
) ENGINE=InnoDB`

func startNaive(dsn string, jwtSecret []byte) (*naive, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(64)
	db.SetMaxIdleConns(64)
	for _, stmt := range strings.Split(naiveSchema, ";") {
		if _, err := db.Exec(stmt); err != nil {
			return nil, fmt.Errorf("naive schema: %w", err)
		}
	}
	n := &naive{db: db, auth: auth.NewService(auth.Config{JWTSecret: jwtSecret}, nil, nil, nil, nil, nil)}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/healthz", func(c *gin.Context) { c.JSON(200, gin.H{"status": "ok"}) })
	r.POST("/api/v1/registrations", n.register)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	n.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
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
	return res.LastInsertId()
}

func (n *naive) confirmed(sessionID int64) (int, error) {
	var c int
	err := n.db.QueryRow("SELECT COUNT(*) FROM naive_registrations WHERE session_id = ?", sessionID).Scan(&c)
	return c, err
}

var errNoSeat = errors.New("no seat")

func (n *naive) register(c *gin.Context) {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok {
		c.JSON(401, gin.H{"code": "UNAUTHENTICATED"})
		return
	}
	uid, err := n.auth.Verify(token)
	if err != nil {
		c.JSON(401, gin.H{"code": "INVALID_TOKEN"})
		return
	}
	var req struct {
		SessionID int64 `json:"session_id"`
	}
	if err := c.ShouldBindJSON(&req); err != nil {
		c.JSON(400, gin.H{"code": "BAD_JSON"})
		return
	}
	ctx := c.Request.Context()
	var id int64
	err = func() error {
		tx, err := n.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		res, err := tx.Exec("UPDATE naive_sessions SET remaining = remaining - 1 WHERE id = ? AND remaining > 0", req.SessionID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errNoSeat
		}
		res, err = tx.Exec("INSERT INTO naive_registrations (session_id, user_id, created_at) VALUES (?, ?, ?)", req.SessionID, uid, time.Now().UTC())
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		return tx.Commit()
	}()
	switch {
	case err == nil:
		c.JSON(201, gin.H{"registrations": []gin.H{{"id": id, "status": "confirmed"}}})
	case errors.Is(err, errNoSeat):
		c.JSON(409, gin.H{"code": "QUOTA_FULL", "message": "名额已满"})
	default:
		c.JSON(503, gin.H{"code": "UNAVAILABLE", "message": err.Error()})
	}
}
