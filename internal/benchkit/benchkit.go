// Package benchkit is what the benchmark programs under scripts/ share: a
// scratch database, random names and a process's CPU time.
package benchkit

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// RandHex is n random bytes in hex.
func RandHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Scratch is a fresh database created for one run.
type Scratch struct {
	Admin *sql.DB // the server, without a database selected
	Name  string
	DSN   string // the admin DSN with the scratch database selected
	Addr  string // the server's address
}

// NewScratch creates a fresh utf8mb4 database on the server of adminDSN (a
// DSN without a database).
func NewScratch(adminDSN string) (*Scratch, error) {
	name := "gjbench_" + RandHex(4)
	cfg, err := CreateDatabase(adminDSN, name)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("mysql", adminDSN)
	if err != nil {
		DropDatabase(adminDSN, name)
		return nil, err
	}
	return &Scratch{Admin: admin, Name: name, DSN: cfg.FormatDSN(), Addr: cfg.Addr}, nil
}

// Drop drops the database and closes the connection to the server.
func (s *Scratch) Drop() {
	s.Admin.Exec("DROP DATABASE IF EXISTS " + s.Name)
	s.Admin.Close()
}

// ProcCPU is the user+system CPU time process pid has used (Linux /proc;
// 0 when unknown).
func ProcCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces) start after ")".
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ = 100
}

// CreateDatabase creates database name (utf8mb4) on the server of adminDSN
// (a DSN without a database) and returns the DSN's settings selecting it.
func CreateDatabase(adminDSN, name string) (*mysqldrv.Config, error) {
	cfg, err := mysqldrv.ParseDSN(adminDSN)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("mysql", adminDSN)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return nil, fmt.Errorf("create database (is MariaDB running?): %w", err)
	}
	cfg.DBName = name
	return cfg, nil
}

// DropDatabase drops database name on the server of adminDSN, if it can.
func DropDatabase(adminDSN, name string) {
	if admin, err := sql.Open("mysql", adminDSN); err == nil {
		admin.Exec("DROP DATABASE IF EXISTS " + name)
		admin.Close()
	}
}
