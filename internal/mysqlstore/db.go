// Package mysqlstore keeps Gongjian's data in MySQL/MariaDB through GORM, or
// in an embedded SQLite file (pure Go, no cgo) for development. Both use one
// code path and one set of migrations. GORM rows never leave this package:
// stores translate them to the domain packages' types.
package mysqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"gongjian/internal/audit"
	"gongjian/internal/errs"
)

// DB is an open database.
type DB struct {
	G       *gorm.DB
	Dialect string // "mysql" or "sqlite"
	// idStep is the distance between the ids of one multi-row INSERT's
	// rows, which MySQL then numbers from LAST_INSERT_ID() (auto-increment
	// lock mode 0 or 1, the default); 0 when they need not be evenly spaced
	// (lock mode 2, or SQLite) and inserted rows are read back instead.
	idStep int64
	// writer is a second pool, MySQL only, whose connections send several
	// statements in one round trip: the registration writer's (see
	// commitBatchMulti). nil: the writer uses G's transactions.
	writer *sql.DB
}

// Options configure Open.
type Options struct {
	DSN          string // go-sql-driver DSN; empty = SQLite at SQLitePath
	SQLitePath   string
	MaxOpenConns int
	Logger       *slog.Logger
}

// Open connects to MySQL (DSN set) or the SQLite file.
func Open(ctx context.Context, o Options) (*DB, error) {
	gcfg := &gorm.Config{
		Logger:                                   logger.Discard,
		SkipDefaultTransaction:                   true,
		PrepareStmt:                              false,
		DisableForeignKeyConstraintWhenMigrating: true,
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
	}
	var (
		g       *gorm.DB
		err     error
		dialect string
		dsn     string
	)
	if o.DSN != "" {
		var derr error
		if dsn, derr = normalizeDSN(o.DSN); derr != nil {
			return nil, derr
		}
		dialect = "mysql"
		g, err = gorm.Open(mysql.New(mysql.Config{DSN: dsn}), gcfg)
	} else {
		dialect = "sqlite"
		if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o700); err != nil {
			return nil, err
		}
		// WAL and a busy timeout let readers run beside the single writer.
		sdsn := o.SQLitePath + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(0)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		g, err = gorm.Open(sqlite.Open(sdsn), gcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: open %s: %w", dialect, err)
	}
	if err := noteCreatedObjects(g); err != nil {
		return nil, err
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if dialect == "sqlite" {
		// One writer at a time is SQLite's model; a single connection avoids SQLITE_BUSY storms.
		sqlDB.SetMaxOpenConns(1)
	} else {
		n := o.MaxOpenConns
		if n <= 0 {
			n = 64
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pctx); err != nil {
		return nil, fmt.Errorf("mysqlstore: ping %s: %w", dialect, err)
	}
	db := &DB{G: g, Dialect: dialect}
	if dialect == "mysql" {
		// A server that does not say keeps the read-back (idStep 0).
		db.idStep, _ = insertIDStep(pctx, sqlDB)
		if db.writer, err = openWriterPool(dsn); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
	}
	return db, nil
}

// openWriterPool opens the registration writer's pool: the same server
// and settings, and several statements a round trip. Only the writer's
// statements, built from placeholders with the arguments interpolated and
// escaped by the driver, go through it.
func openWriterPool(dsn string) (*sql.DB, error) {
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MultiStatements = true
	conn, err := mysqldrv.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	w := sql.OpenDB(conn)
	w.SetMaxOpenConns(writerConns)
	w.SetMaxIdleConns(writerConns)
	w.SetConnMaxLifetime(30 * time.Minute)
	return w, nil
}

// writerConns bounds the writer pool: one connection per writer goroutine
// (registration.writers, 64 at most) would do; a batch holds one for its
// transaction and a settle after a failed commit reads through G.
const writerConns = 64

// insertIDStep reads how MySQL numbers a multi-row INSERT: in
// auto-increment lock modes 0 and 1 an INSERT … VALUES of n rows takes n
// ids spaced by auto_increment_increment, the first reported as the
// statement's insert id; mode 2 (interleaved, Galera's) promises nothing.
func insertIDStep(ctx context.Context, db *sql.DB) (int64, error) {
	var mode, step int64
	if err := db.QueryRowContext(ctx, "SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment").Scan(&mode, &step); err != nil {
		return 0, err
	}
	if mode == 2 || step < 1 {
		return 0, nil
	}
	return step, nil
}

// normalizeDSN forces the settings the stores rely on: UTC times parsed into
// time.Time, utf8mb4 and client-side interpolation (one round trip a query).
func normalizeDSN(dsn string) (string, error) {
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("mysqlstore: bad GONGJIAN_MYSQL_DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if _, ok := cfg.Params["charset"]; !ok {
		cfg.Params["charset"] = "utf8mb4"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 30 * time.Second
	}
	return cfg.FormatDSN(), nil
}

// Close closes the pools.
func (db *DB) Close() error {
	if db.writer != nil {
		_ = db.writer.Close()
	}
	s, err := db.G.DB()
	if err != nil {
		return err
	}
	return s.Close()
}

// Ping checks the database is reachable.
func (db *DB) Ping(ctx context.Context) error {
	s, err := db.G.DB()
	if err != nil {
		return err
	}
	return s.PingContext(ctx)
}

// SQL returns the underlying *sql.DB.
func (db *DB) SQL() *sql.DB {
	s, _ := db.G.DB()
	return s
}

// IsDuplicate reports whether err is a unique-key violation.
func IsDuplicate(err error) bool {
	if err == nil {
		return false
	}
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// translate turns driver errors into errs.Error values. notFound is the
// error to use for a missing row.
func translate(err error, notFound *errs.Error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		if notFound != nil {
			return notFound
		}
		return errs.NotFound("NOT_FOUND", "记录不存在")
	case IsDuplicate(err):
		return errs.Wrap(err, errs.KindConflict, "DUPLICATE", "记录已存在")
	case isUnavailable(err):
		return errs.Unavailable(err, "数据库暂时不可用，请稍后再试")
	default:
		var e *errs.Error
		if errors.As(err, &e) {
			return e
		}
		return errs.Internal(err)
	}
}

// isUnavailable reports connection-level failures (the database is down or
// unreachable) as opposed to bugs.
func isUnavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, mysqldrv.ErrInvalidConn) {
		return true
	}
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053, 1205, 1213, 1290, 1836, 2002, 2003, 2006, 2013:
			return true
		}
		return false
	}
	s := err.Error()
	for _, frag := range []string{"connection refused", "broken pipe", "bad connection", "i/o timeout", "connection reset", "database is locked", "EOF"} {
		if strings.Contains(s, frag) {
			return true
		}
	}
	return false
}

// retryable reports a MySQL deadlock (1213) or lock wait timeout (1205):
// the transaction was rolled back whole and may simply be run again.
func retryable(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// retry runs f, and runs it again (up to 5 more times, after a short growing
// pause with jitter) while it fails with a retryable error.
func retry(ctx context.Context, f func() error) error {
	var err error
	for attempt := 0; attempt < 6; attempt++ {
		if err = f(); !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(3*(attempt+1)+rand.IntN(10*(attempt+1))) * time.Millisecond):
		}
	}
	return err
}

// forUpdate makes q a locking read (FOR UPDATE) on MySQL; on SQLite the
// write transaction already excludes other writers.
func (db *DB) forUpdate(q *gorm.DB) *gorm.DB {
	if db.Dialect == "mysql" {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// shareLock is the clause that makes a raw SELECT a shared locking read on
// MySQL; on SQLite the write transaction already excludes other writers.
func (db *DB) shareLock() string {
	if db.Dialect == "mysql" {
		return " LOCK IN SHARE MODE"
	}
	return ""
}

// transaction runs fn in one transaction, again when MySQL chose it as a
// deadlock victim or it timed out waiting for a lock. The audit notes of
// ctx (the staff changes the request is making) are written in the same
// transaction, after fn: the change and its audit entry commit together
// or not at all.
func (db *DB) transaction(ctx context.Context, fn func(tx *gorm.DB) error, opts ...*sql.TxOptions) error {
	var written int
	err := retry(ctx, func() error {
		mark := audit.Savepoint(ctx)
		err := db.G.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			before, err := auditStart(ctx, tx)
			if err != nil {
				return err
			}
			if err := fn(tx); err != nil {
				return err
			}
			written, err = auditFinish(ctx, tx, before)
			return err
		}, opts...)
		if err != nil {
			audit.Rollback(ctx, mark)
		}
		return err
	})
	if err == nil {
		audit.Written(ctx, written)
	}
	return err
}

// purge deletes the rows of model whose column timeCol is before cutoff
// and that match cond (optional), batch by batch (select ids, delete them:
// works on MySQL and SQLite, keeps locks short), and returns how many it
// deleted. The rows are read in the order of timeCol's index, so a purge
// touches only the old rows, never the whole table (there must be an index
// starting with timeCol).
func (d *DB) purge(ctx context.Context, model any, batch int, timeCol string, cutoff time.Time, cond string, args ...any) (int64, error) {
	var total int64
	for {
		var ids []int64
		q := d.G.WithContext(ctx).Model(model).Where(timeCol+" < ?", cutoff.UTC())
		if cond != "" {
			q = q.Where(cond, args...)
		}
		if err := q.Order(timeCol).Order("id").Limit(batch).Pluck("id", &ids).Error; err != nil {
			return total, translate(err, nil)
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := d.G.WithContext(ctx).Where("id IN ?", ids).Delete(model)
		if res.Error != nil {
			return total, translate(res.Error, nil)
		}
		total += res.RowsAffected
		if len(ids) < batch {
			return total, nil
		}
	}
}

// convert maps rows to the domain values they store.
func convert[R, T any](rows []R, to func(R) T) []T {
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		out = append(out, to(r))
	}
	return out
}

// first is the first value a lookup found, or notFound when it found none.
func first[T any](xs []T, err error, notFound error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(xs) == 0 {
		return zero, notFound
	}
	return xs[0], nil
}
