package benchkit

import (
	"flag"
	"fmt"
	"os"
)

// MySQLFlag defines -mysql, the DSN of a MariaDB server without a database
// (the bench creates a fresh one and drops it).
func MySQLFlag() *string {
	return flag.String("mysql", "root@tcp(127.0.0.1:3306)/", "MySQL/MariaDB DSN without database (a fresh one is created and dropped)")
}

// RedisFlag defines -redis, the Redis address.
func RedisFlag() *string { return flag.String("redis", "127.0.0.1:6379", "Redis address") }

// ExitOnError ends the program named program with status 1 when err is
// not nil, printing it.
func ExitOnError(program string, err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, program+":", err)
		os.Exit(1)
	}
}
