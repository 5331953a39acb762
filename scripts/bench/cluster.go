package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"gongjian/internal/benchkit"
)

// redisCluster is a private 3-master Redis Cluster (-redis-cluster): three
// redis-server children of the bench on free loopback ports, without
// persistence, each master holding a third of the slots. Stopping it
// removes everything it had.
type redisCluster struct {
	dir   string
	nodes []*exec.Cmd
	ports []int // client port, then cluster bus port, of each node
}

const clusterMasters = 3

// startRedisCluster starts the nodes, joins them and waits until every
// node sees all slots covered.
func startRedisCluster() (*redisCluster, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("-redis-cluster needs the Debian redis-server (apt-get install redis-server)")
	}
	dir, err := os.MkdirTemp("", "gongjian-bench-redis-")
	if err != nil {
		return nil, err
	}
	c := &redisCluster{dir: dir}
	// Explicit bus ports: a free client port above 55535 has no port+10000.
	if c.ports, err = benchkit.FreePorts(2 * clusterMasters); err != nil {
		c.stop()
		return nil, err
	}
	for i := range clusterMasters {
		if err := c.startNode(bin, i); err != nil {
			c.stop()
			return nil, err
		}
	}
	if err := c.join(); err != nil {
		c.stop()
		return nil, err
	}
	fmt.Printf("Redis Cluster started (3 masters: %s)\n", c.addr())
	return c, nil
}

func (c *redisCluster) port(i int) int    { return c.ports[2*i] }
func (c *redisCluster) busPort(i int) int { return c.ports[2*i+1] }

func (c *redisCluster) nodeAddr(i int) string { return "127.0.0.1:" + strconv.Itoa(c.port(i)) }

// addr is the comma-separated node list (GONGJIAN_REDIS_ADDR).
func (c *redisCluster) addr() string {
	addrs := make([]string, clusterMasters)
	for i := range addrs {
		addrs[i] = c.nodeAddr(i)
	}
	return strings.Join(addrs, ",")
}

func (c *redisCluster) startNode(bin string, i int) error {
	dir := filepath.Join(c.dir, strconv.Itoa(i))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(c.port(i)), "--bind", "127.0.0.1", "--protected-mode", "no",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"),
		"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(c.busPort(i)),
		"--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--cluster-node-timeout", "2000")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // gone with the bench, whatever happens
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redis-server: %w", err)
	}
	c.nodes = append(c.nodes, cmd)
	rdb := redis.NewClient(&redis.Options{Addr: c.nodeAddr(i), DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	ok := benchkit.WaitUntil(10*time.Second, func() bool { return rdb.Ping(context.Background()).Err() == nil })
	if !ok {
		return fmt.Errorf("redis-server on %s did not start; see %s", c.nodeAddr(i), filepath.Join(dir, "redis.log"))
	}
	return nil
}

// join gives node i the i-th third of the slots, introduces every node to
// node 0 (with its bus port) and waits for cluster_state:ok everywhere.
func (c *redisCluster) join() error {
	ctx := context.Background()
	for i := range clusterMasters {
		rdb := redis.NewClient(&redis.Options{Addr: c.nodeAddr(i)})
		err := rdb.ClusterAddSlotsRange(ctx, i*16384/clusterMasters, (i+1)*16384/clusterMasters-1).Err()
		if err == nil && i > 0 {
			err = rdb.Do(ctx, "cluster", "meet", "127.0.0.1", c.port(0), c.busPort(0)).Err()
		}
		rdb.Close()
		if err != nil {
			return fmt.Errorf("joining the Redis Cluster: %w", err)
		}
	}
	for i := range clusterMasters {
		rdb := redis.NewClient(&redis.Options{Addr: c.nodeAddr(i)})
		ok := benchkit.WaitUntil(20*time.Second, func() bool {
			info, err := rdb.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3")
		})
		rdb.Close()
		if !ok {
			return fmt.Errorf("the Redis Cluster did not become ready; see the logs under %s", c.dir)
		}
	}
	return nil
}

// stop kills the nodes and removes their directory.
func (c *redisCluster) stop() {
	for _, cmd := range c.nodes {
		benchkit.StopProcess(cmd, 5*time.Second)
	}
	os.RemoveAll(c.dir)
}
