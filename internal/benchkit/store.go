package benchkit

import (
	"context"
	"strings"
	"time"

	"gongjian/internal/mysqlstore"
	"gongjian/internal/redisstore"

	"github.com/redis/go-redis/v9"
)

// ScratchDB is a store on a scratch database with the schema migrated.
type ScratchDB struct {
	*mysqlstore.DB
	Scratch *Scratch
}

// OpenScratchDB creates a scratch database on the server of adminDSN,
// opens it with at most conns connections and migrates it.
func OpenScratchDB(ctx context.Context, adminDSN string, conns int) (*ScratchDB, error) {
	s, err := NewScratch(adminDSN)
	if err != nil {
		return nil, err
	}
	db, err := mysqlstore.Open(ctx, mysqlstore.Options{DSN: s.DSN, MaxOpenConns: conns})
	if err != nil {
		s.Drop()
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		s.Drop()
		return nil, err
	}
	return &ScratchDB{DB: db, Scratch: s}, nil
}

// Close closes the store and drops the database.
func (s *ScratchDB) Close() {
	s.DB.Close()
	s.Scratch.Drop()
}

// DeleteKeys deletes the keys under prefix on a Redis server, or on every
// master of a Redis Cluster (a comma-separated address list).
func DeleteKeys(addr, prefix string) error {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: strings.Split(addr, ",")})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return redisstore.DeletePrefix(ctx, rdb, prefix)
}
