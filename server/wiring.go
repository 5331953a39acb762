package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"

	"gongjian/config"
	"gongjian/internal/activity"
	"gongjian/internal/auth"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
	"gongjian/internal/wechat"
)

// wechatLogin adapts the WeChat client to what auth needs.
type wechatLogin struct{ c *wechat.Client }

func (w wechatLogin) Code2Session(ctx context.Context, code string) (auth.Session, error) {
	s, err := w.c.Code2Session(ctx, code)
	if err != nil {
		return auth.Session{}, err
	}
	return auth.Session{OpenID: s.OpenID, UnionID: s.UnionID, SessionKey: s.SessionKey}, nil
}

type redisPinger struct{ c redis.UniversalClient }

func (p redisPinger) Ping(ctx context.Context) error { return p.c.Ping(ctx).Err() }

type secrets struct {
	jwt     []byte
	dataKey []byte
	// ticketSeed is the Ed25519 seed signing check-in tickets.
	ticketSeed []byte
	// Earlier keys still accepted during a rotation (docs/operations.md).
	jwtOld     [][]byte
	dataKeyOld [][]byte
}

// loadSecrets takes the keys from config or, outside production, from files
// under the data directory, generating them on first start so restarts keep
// sessions and encrypted data readable.
func loadSecrets(cfg config.Config) (secrets, error) {
	var s secrets
	jwt, err := secret(cfg, cfg.Security.JWTSecret, "jwt_secret", func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) })
	if err != nil {
		return s, err
	}
	s.jwt = []byte(jwt)
	if s.dataKey, err = key32(cfg, cfg.Security.DataKey, "data_key", "data key in %s is not base64 of 32 bytes"); err != nil {
		return s, err
	}
	if s.ticketSeed, err = key32(cfg, cfg.Security.TicketKey, "ticket_key", "ticket key in %s is not base64 of a 32-byte seed"); err != nil {
		return s, err
	}
	for _, old := range cfg.Security.JWTSecretOld {
		s.jwtOld = append(s.jwtOld, []byte(old))
	}
	for _, old := range cfg.Security.DataKeyOld {
		k, err := base64.StdEncoding.DecodeString(old)
		if err != nil || len(k) != 32 {
			return s, fmt.Errorf("GONGJIAN_DATA_KEY_OLD: a key is not base64 of 32 bytes")
		}
		s.dataKeyOld = append(s.dataKeyOld, k)
	}
	return s, nil
}

// newBox builds the personal-data box: sealing with the current data key,
// opening with it and the older ones, and hashing (for look-ups compared
// with stored hashes) with the key the database has bound for hashing
// since its first start, whatever was rotated since.
func newBox(ctx context.Context, db *mysqlstore.DB, s secrets, log *slog.Logger) (*pii.Box, error) {
	box, err := pii.NewBox(s.dataKey, s.dataKeyOld...)
	if err != nil {
		return nil, err
	}
	if !db.G.Migrator().HasTable("key_registry") {
		if len(s.dataKeyOld) > 0 {
			return nil, errors.New("GONGJIAN_DATA_KEY_OLD is set but the database is not migrated: run `gongjian migrate` first")
		}
		return box, nil // not migrated yet (the migrate command): hashing is not used
	}
	// Before key ids existed only one key was ever used: on the first start
	// that binds, during a first rotation, that key is the oldest one given.
	ids := box.KeyIDs()
	bound, err := db.BindKey(ctx, "pii_hash", ids[len(ids)-1])
	if err != nil {
		return nil, err
	}
	if err := box.UseHashKey(bound); err != nil {
		return nil, fmt.Errorf("%w (GONGJIAN_DATA_KEY_OLD)", err)
	}
	if len(ids) > 1 {
		log.Info("personal-data keys", slog.String("sealing", box.KeyID()), slog.Any("opening", ids), slog.String("hashing", bound))
	}
	return box, nil
}

// key32 is a 32-byte key kept base64-encoded as secret name; notKey is the
// error's format, given the key file's path, when it is something else.
func key32(cfg config.Config, configured, name, notKey string) ([]byte, error) {
	enc, err := secret(cfg, configured, name, base64.StdEncoding.EncodeToString)
	if err != nil {
		return nil, err
	}
	k, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf(notKey, filepath.Join(cfg.DataDir, name))
	}
	return k, nil
}

func secret(cfg config.Config, configured, name string, encode func([]byte) string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if cfg.Production() {
		return "", fmt.Errorf("%s is required in production", name)
	}
	path := filepath.Join(cfg.DataDir, name)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	v := encode(raw)
	// O_EXCL: two processes starting together keep the first one's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) {
			b, rerr := os.ReadFile(path)
			return strings.TrimSpace(string(b)), rerr
		}
		return "", err
	}
	defer f.Close()
	if _, err := f.WriteString(v + "\n"); err != nil {
		return "", err
	}
	return v, nil
}

// activityConfig maps the registration settings to the activity service.
func activityConfig(r config.Registration) activity.Config {
	return activity.Config{
		NoShow:     activity.NoShowPolicy{Strikes: r.NoShowStrikes, Window: r.NoShowWindow, Suspension: r.NoShowSuspension},
		Writers:    r.Writers,
		WriteBatch: r.WriteBatch, ReconcileInterval: r.ReconcileInterval, StaleAfter: r.StaleAfter,
	}
}
