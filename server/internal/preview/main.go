// Command preview serves the dashboard without a node, for looking at the
// pages while working on them:
//
//	go run ./server/internal/preview [-addr 127.0.0.1:8080]
//
// A party node serves the same handler (server.New) with its data; this
// command is not part of tally's command line.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/tally-project/tally/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	h, err := server.New(server.Options{})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("dashboard at http://%s/", *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}
