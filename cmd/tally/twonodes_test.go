package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// guideBlocks reads the shell blocks (```sh) of a guide, in order.
func guideBlocks(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur *strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case cur == nil && line == "```sh":
			cur = &strings.Builder{}
		case cur != nil && line == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	return blocks
}

// docs/two-nodes.md, run as written with the real tally binary, on two
// free loopback ports in place of 8081 and 8082: keys, the regime file,
// two tally serve processes, a notification sent with tally notify,
// witnessed by the other node (tally notify --witnessed), its receipt
// checked offline with tally receipt verify; then the other node has
// acknowledged it, both agree on when it reached Russia, and both stop
// gracefully.
func TestTwoNodesGuide(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two nodes")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("the guide's steps need bash")
	}
	blocks := guideBlocks(t, "../../docs/two-nodes.md")
	if len(blocks) != 5 {
		t.Fatalf("the guide has %d shell blocks, the test expects 5", len(blocks))
	}
	dir := t.TempDir()
	addr := map[string]string{"127.0.0.1:8081": freeAddr(t), "127.0.0.1:8082": freeAddr(t)}
	ports := strings.NewReplacer("127.0.0.1:8081", addr["127.0.0.1:8081"], "127.0.0.1:8082", addr["127.0.0.1:8082"])
	env := append(os.Environ(), "PATH="+filepath.Dir(tallyBin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var servers []*exec.Cmd
	var logs []*bytes.Buffer
	for i, block := range blocks {
		block = ports.Replace(block)
		if strings.HasPrefix(block, "tally serve ") {
			// Each line starts a node in the background: the test runs
			// them as its own processes, and waits until they answer.
			for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
				args := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), "&"))
				if args[0] != "tally" {
					t.Fatalf("block %d: %q", i+1, line)
				}
				cmd := exec.Command(tallyBin, args[1:]...)
				cmd.Dir, cmd.Env = dir, env
				logs = append(logs, startBackground(t, cmd))
				servers = append(servers, cmd)
			}
			for k, a := range []string{addr["127.0.0.1:8081"], addr["127.0.0.1:8082"]} {
				waitHealthy(t, a, logs[k])
			}
			continue
		}
		cmd := exec.Command(bash, "-euo", "pipefail", "-c", block)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			var nodes string
			for _, l := range logs {
				nodes += l.String()
			}
			t.Fatalf("block %d of the guide failed: %v\n%s\n%s\nnodes:\n%s", i+1, err, block, out, nodes)
		}
		t.Logf("block %d:\n%s", i+1, out)
		if strings.Contains(block, "tally receipt verify") && !strings.Contains(string(out), "receipt: valid and witnessed") {
			t.Fatalf("the receipt: %s", out)
		}
	}
	if len(servers) != 2 {
		t.Fatalf("%d nodes started", len(servers))
	}

	// Russia's node has the US change, provided to it and acknowledged.
	insp := roleToken(t, filepath.Join(dir, "ru"), "inspector")
	ru := "http://" + addr["127.0.0.1:8082"]
	deadline := time.Now().Add(30 * time.Second)
	var v struct {
		Kind     string               `json:"kind"`
		Provided map[string]time.Time `json:"provided"`
		AckedBy  []string             `json:"acked_by"`
		Late     []string             `json:"late"`
	}
	for {
		code := getJSON(t, ru+"/api/v1/notifications/US/2", insp, &v)
		// The acknowledgement and the time of provision come from two
		// rounds of replication, in either order.
		if code == 200 && len(v.AckedBy) == 1 && v.AckedBy[0] == "RU" && !v.Provided["RU"].IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("RU has not acknowledged US seq 2 or has no time of provision for it: %d %+v", code, v)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v.Kind != "status-change/v1" || v.Provided["RU"].IsZero() || len(v.Late) != 0 {
		t.Fatalf("US seq 2 as RU saw it: %+v", v)
	}
	// The US node says the same of when it reached Russia; the initial
	// database of 2011 reached it late.
	var u, first struct {
		Provided map[string]time.Time `json:"provided"`
		Late     []string             `json:"late"`
	}
	us := "http://" + addr["127.0.0.1:8081"]
	usInsp := roleToken(t, filepath.Join(dir, "us"), "inspector")
	if code := getJSON(t, us+"/api/v1/notifications/US/2", usInsp, &u); code != 200 || !u.Provided["RU"].Equal(v.Provided["RU"]) {
		t.Fatalf("the US node: %d %+v, RU's %+v", code, u, v)
	}
	if code := getJSON(t, ru+"/api/v1/notifications/US/1", insp, &first); code != 200 || fmt.Sprint(first.Late) != "[RU]" {
		t.Fatalf("the initial database of 2011: %d %+v", code, first)
	}
	for i, c := range servers {
		c.Process.Signal(syscall.SIGTERM)
		if err := c.Wait(); err != nil {
			t.Fatalf("node %d did not stop gracefully: %v\n%s", i, err, logs[i])
		}
	}
}

func waitHealthy(t *testing.T, addr string, log *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node at %s did not start:\n%s", addr, log)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func roleToken(t *testing.T, data, role string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(data, "tokens.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, "role: "+role) {
			i := strings.Index(line, "token: ")
			return strings.TrimSuffix(strings.TrimSpace(line[i+len("token: "):]), "}")
		}
	}
	t.Fatalf("no %s token in %s", role, data)
	return ""
}

func getJSON(t *testing.T, url, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}
