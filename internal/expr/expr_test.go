package expr

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"cel.dev/cel-go/common/types"

	"github.com/tally-project/tally/forces"
)

func mustCompile(t *testing.T, src string, want Want) *Expr {
	t.Helper()
	x, err := Compile(src, want)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return x
}

func TestEvalReadsItemAndType(t *testing.T) {
	it := &Item{Kind: "heavy-bomber", TypeName: "B-52H", Status: "deployed", Attrs: forces.Attrs{"alcms": int64(20)}}
	when := mustCompile(t, "item.kind == 'heavy-bomber' && item.status == 'deployed' && type.?alcms.orValue(0) > 0", Bool)
	if v, err := when.Eval(it); err != nil || v != types.True {
		t.Fatalf("when: %v %v", v, err)
	}
	units := mustCompile(t, "type.alcms", Int)
	if v, err := units.Eval(it); err != nil || v != types.Int(20) {
		t.Fatalf("units: %v %v", v, err)
	}
	if got := when.Kinds(); !reflect.DeepEqual(got, []forces.Kind{forces.HeavyBomber}) {
		t.Fatalf("kinds %v", got)
	}
	f, a, all := when.Reads()
	if !reflect.DeepEqual(f, []string{"kind", "status"}) || !reflect.DeepEqual(a, []string{"alcms"}) || all {
		t.Fatalf("reads %v %v %v", f, a, all)
	}
}

func TestWarheadsMissingIsAnError(t *testing.T) {
	x := mustCompile(t, "item.warheads", Int)
	_, err := x.Eval(&Item{Kind: "icbm"})
	if !errors.Is(err, ErrNoWarheads) {
		t.Fatalf("got %v", err)
	}
	// has() asks without failing.
	h := mustCompile(t, "has(item.warheads) ? item.warheads : 0", Int)
	if v, err := h.Eval(&Item{Kind: "icbm"}); err != nil || v != types.Int(0) {
		t.Fatalf("got %v %v", v, err)
	}
	if v, err := h.Eval(&Item{Kind: "icbm", HasWarheads: true, Warheads: 4}); err != nil || v != types.Int(4) {
		t.Fatalf("got %v %v", v, err)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct {
		src, want string
		w         Want
		line, col int
	}{
		{"item.kind == 'icbm' &&", "", Bool, 1, 23},
		{"item.warhead", "undefined field 'warhead'", Int, 1, 5},
		{"item.kind", "must give a whole number (an int), but gives a string", Int, 0, 0},
		{"1 + 1", "must give true or false (a bool), but gives an int", Bool, 0, 0},
		{"itm.kind == 'x'", "undeclared reference to 'itm'", Bool, 1, 1},
		{"  ", "the expression is empty", Bool, 0, 0},
	} {
		_, err := Compile(c.src, c.w)
		if err == nil {
			t.Errorf("%q compiled", c.src)
			continue
		}
		if !strings.Contains(err.Msg, c.want) || err.Line != c.line || (c.col != 0 && err.Col != c.col) {
			t.Errorf("%q: got %d:%d %q", c.src, err.Line, err.Col, err.Msg)
		}
	}
}

func TestKindsAndLiterals(t *testing.T) {
	x := mustCompile(t, "item.kind in ['icbm', 'slbm'] && item.status == 'deployed' && item.contained", Bool)
	if got := x.Kinds(); !reflect.DeepEqual(got, []forces.Kind{forces.ICBM, forces.SLBM}) {
		t.Fatalf("kinds %v", got)
	}
	if got := x.Compared("status"); !reflect.DeepEqual(got, []string{"deployed"}) {
		t.Fatalf("status lits %v", got)
	}
	if x := mustCompile(t, "item.kind == 'icbm' || item.kind == 'slbm'", Bool); x.Kinds() != nil {
		t.Fatalf("a disjunction must not restrict kinds: %v", x.Kinds())
	}
}

func TestKeySeparatesWhatIsRead(t *testing.T) {
	x := mustCompile(t, "item.status == 'deployed' ? type.attributed : 0", Int)
	a := &Item{Kind: "icbm", Status: "deployed", Site: "A", Attrs: forces.Attrs{"attributed": int64(10)}}
	b := &Item{Kind: "icbm", Status: "deployed", Site: "B", Attrs: forces.Attrs{"attributed": int64(10)}}
	c := &Item{Kind: "icbm", Status: "deployed", Site: "B", Attrs: forces.Attrs{"attributed": int64(6)}}
	ka := string(x.Key(nil, a, nil))
	if kb := string(x.Key(nil, b, nil)); ka != kb {
		t.Fatalf("site is not read, keys differ: %q %q", ka, kb)
	}
	if kc := string(x.Key(nil, c, nil)); ka == kc {
		t.Fatalf("attributed is read, keys equal: %q", ka)
	}
	whole := mustCompile(t, "size(type) > 0", Bool)
	if _, _, all := whole.Reads(); !all {
		t.Fatal("type used as a whole must read all")
	}
	called := false
	whole.Key(nil, a, func() string { called = true; return "k" })
	if !called {
		t.Fatal("attrsKey not used")
	}
}

func TestRuntimeTypeChecks(t *testing.T) {
	x := mustCompile(t, "type.basing", Int) // dyn: checked when run
	if _, err := x.Eval(&Item{Attrs: forces.Attrs{"basing": "silo"}}); err == nil || !strings.Contains(err.Error(), "not a whole number") {
		t.Fatalf("got %v", err)
	}
	y := mustCompile(t, "type.alcms > 0", Bool)
	if _, err := y.Eval(&Item{Attrs: forces.Attrs{}}); err == nil || !strings.Contains(err.Error(), "alcms") {
		t.Fatalf("got %v", err)
	}
}

func TestRunawayExpressionStops(t *testing.T) {
	l := "[" + strings.Repeat("1,", 99) + "1]"
	x := mustCompile(t, l+".all(a, "+l+".all(b, "+l+".all(c, a+b+c > 0)))", Bool)
	if _, err := x.Eval(&Item{}); err == nil || !strings.Contains(err.Error(), "cost") {
		t.Fatalf("got %v", err)
	}
}
