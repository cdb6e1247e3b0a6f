//go:build js && wasm

package main

import (
	"fmt"
	"syscall/js"
	"time"
)

func main() {
	js.Global().Set("tallyVerify", js.FuncOf(func(_ js.Value, args []js.Value) (ret any) {
		defer func() {
			if p := recover(); p != nil {
				ret = toJS(Outcome{Verdict: Unreadable, Title: titles[Unreadable], Reason: fmt.Sprint("internal error: ", p)})
			}
		}()
		if len(args) != 1 || args[0].Type() != js.TypeObject {
			return toJS(Outcome{Verdict: Unreadable, Title: titles[Unreadable], Reason: "tallyVerify takes one object {receipt, regime, regimeName, at, entry}"})
		}
		a := args[0]
		in := Input{Receipt: str(a, "receipt"), Regime: str(a, "regime"), RegimeName: str(a, "regimeName"), At: str(a, "at")}
		if e := a.Get("entry"); e.Type() == js.TypeObject && e.InstanceOf(js.Global().Get("Uint8Array")) {
			in.Entry = make([]byte, e.Length())
			js.CopyBytesToGo(in.Entry, e)
		}
		return toJS(verify(in, time.Now()))
	}))
	// Tell the page the verifier is ready, then keep serving calls.
	if ready := js.Global().Get("tallyVerifierReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// str is a string property of v, "" when absent.
func str(v js.Value, name string) string {
	if p := v.Get(name); p.Type() == js.TypeString {
		return p.String()
	}
	return ""
}

// toJS is the outcome as a JavaScript object, with Outcome's JSON names.
func toJS(o Outcome) js.Value {
	checks := make([]any, len(o.Checks))
	for i, c := range o.Checks {
		checks[i] = map[string]any{"what": c.What, "ok": c.OK, "detail": c.Detail}
	}
	return js.ValueOf(map[string]any{
		"verdict": o.Verdict, "title": o.Title, "reason": o.Reason,
		"checks": checks, "summary": o.Summary, "at": o.At,
	})
}
