// Package expr compiles and evaluates the CEL expressions of treaty counting
// rules.
//
// An expression sees two variables:
//
//   - item: what the counting engine knows about one item (in practice one
//     group of identical items): item.kind, item.type, item.status,
//     item.site, item.party, item.warheads (the reentry vehicles on each
//     missile; reading it on a group that declares none is an error),
//     item.converting, and the containment facts the engine computes:
//     item.loaded (a launcher holding a missile), item.contained (a missile
//     in a launcher, a tube in a submarine), item.assumed (a missile the
//     treaty takes to be in an empty launcher).
//   - type: the group's effective type attributes, a map (type.attributed,
//     type.alcms, type.heavy, type.basing, ...). type.?alcms.orValue(0)
//     reads an attribute that a type may not have.
//
// item is a declared object type, so a misspelt field (item.warhead) is a
// compile error; type is a map, so its attributes are checked when read.
//
// Each compiled expression knows which item fields and type attributes it
// reads (found in its checked syntax tree). The counting engine uses that
// to evaluate an expression once per distinct combination of the values it
// reads, not once per group: with thousands of groups that differ only by
// site, a rule that does not read item.site runs a handful of times.
package expr

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/tally-project/tally/forces"
)

// Item is one item (or one group of identical items) as rules see it.
type Item struct {
	Kind, TypeName, Status, Site, Party string
	// Warheads is the reentry vehicles on each missile; meaningful only
	// when HasWarheads.
	Warheads    int64
	HasWarheads bool
	Converting  bool
	Loaded      bool
	Contained   bool
	Assumed     bool
	Attrs       forces.Attrs
}

// Field is one field of item.
type Field uint16

// The fields of item, as bits of a read set.
const (
	FKind Field = 1 << iota
	FType
	FStatus
	FSite
	FParty
	FWarheads
	FConverting
	FLoaded
	FContained
	FAssumed
)

// fields lists item's fields in the order of their bits.
var fields = []struct {
	name string
	bit  Field
	typ  *types.Type
}{
	{"kind", FKind, types.StringType},
	{"type", FType, types.StringType},
	{"status", FStatus, types.StringType},
	{"site", FSite, types.StringType},
	{"party", FParty, types.StringType},
	{"warheads", FWarheads, types.IntType},
	{"converting", FConverting, types.BoolType},
	{"loaded", FLoaded, types.BoolType},
	{"contained", FContained, types.BoolType},
	{"assumed", FAssumed, types.BoolType},
}

// FieldNames lists the fields of item, for documentation and suggestions.
func FieldNames() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.name
	}
	return out
}

const itemTypeName = "tally.Item"

var itemType = types.NewObjectType(itemTypeName)

// ErrNoWarheads is returned (wrapped) when an expression reads
// item.warheads on a group that declares no loading.
var ErrNoWarheads = errors.New("reads item.warheads, but the group declares no warheads")

func (it *Item) get(f Field) (ref.Val, error) {
	switch f {
	case FKind:
		return types.String(it.Kind), nil
	case FType:
		return types.String(it.TypeName), nil
	case FStatus:
		return types.String(it.Status), nil
	case FSite:
		return types.String(it.Site), nil
	case FParty:
		return types.String(it.Party), nil
	case FWarheads:
		if !it.HasWarheads {
			return nil, ErrNoWarheads
		}
		return types.Int(it.Warheads), nil
	case FConverting:
		return types.Bool(it.Converting), nil
	case FLoaded:
		return types.Bool(it.Loaded), nil
	case FContained:
		return types.Bool(it.Contained), nil
	case FAssumed:
		return types.Bool(it.Assumed), nil
	}
	return nil, fmt.Errorf("no field %d", f)
}

// The ref.Val methods let an *Item stand for itself in CEL.

// ConvertToNative implements ref.Val.
func (it *Item) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeOf(it) {
		return it, nil
	}
	return nil, fmt.Errorf("item cannot be converted to %v", t)
}

// ConvertToType implements ref.Val.
func (it *Item) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return itemType
	}
	return types.NewErr("item cannot be converted to %s", t.TypeName())
}

// Equal implements ref.Val.
func (it *Item) Equal(o ref.Val) ref.Val { return types.Bool(o == ref.Val(it)) }

// Type implements ref.Val.
func (it *Item) Type() ref.Type { return itemType }

// Value implements ref.Val.
func (it *Item) Value() any { return it }

// provider adds the item object type to CEL's standard types.
type provider struct {
	*types.Registry
	fieldTypes map[string]*types.FieldType
}

func newProvider(base *types.Registry) *provider {
	p := &provider{Registry: base, fieldTypes: map[string]*types.FieldType{}}
	for _, f := range fields {
		bit := f.bit
		p.fieldTypes[f.name] = &types.FieldType{
			Type: f.typ,
			IsSet: func(target any) bool {
				it, ok := target.(*Item)
				if !ok {
					return false
				}
				switch bit {
				case FWarheads:
					return it.HasWarheads
				case FSite:
					return it.Site != ""
				}
				return true
			},
			GetFrom: func(target any) (any, error) {
				it, ok := target.(*Item)
				if !ok {
					return nil, fmt.Errorf("not an item: %T", target)
				}
				return it.get(bit)
			},
		}
	}
	return p
}

func (p *provider) FindStructType(name string) (*types.Type, bool) {
	if name == itemTypeName {
		return types.NewTypeTypeWithParam(itemType), true
	}
	return p.Registry.FindStructType(name)
}

func (p *provider) FindStructFieldNames(name string) ([]string, bool) {
	if name == itemTypeName {
		return FieldNames(), true
	}
	return p.Registry.FindStructFieldNames(name)
}

func (p *provider) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if name == itemTypeName {
		ft, ok := p.fieldTypes[field]
		return ft, ok
	}
	return p.Registry.FindStructFieldType(name, field)
}

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
)

func theEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		reg, err := types.NewRegistry()
		if err != nil {
			envErr = err
			return
		}
		env, envErr = cel.NewEnv(
			cel.CustomTypeProvider(newProvider(reg)),
			cel.CustomTypeAdapter(reg),
			cel.Variable("item", itemType),
			cel.Variable("type", cel.MapType(cel.StringType, cel.DynType)),
			cel.OptionalTypes(),
		)
	})
	return env, envErr
}

// MaxCost bounds the work of one evaluation, in CEL cost units (about one
// per operation).
const MaxCost = 100_000

// Want is the type an expression must give.
type Want int

const (
	// Bool: a condition (a rule's when, a requirement's check).
	Bool Want = iota
	// Int: a number of units.
	Int
	// Ordered: a value to sort by (a number, a string or a bool).
	Ordered
)

func (w Want) String() string {
	switch w {
	case Bool:
		return "true or false (a bool)"
	case Int:
		return "a whole number (an int)"
	}
	return "a number, a string or a bool"
}

// CompileError is why an expression does not compile, with the position
// inside the expression when CEL gives one.
type CompileError struct {
	Msg string
	// Line and Col are 1-based positions inside the expression; 0 when
	// unknown.
	Line, Col int
	// Display is CEL's rendering with the expression and a caret.
	Display string
}

func (e *CompileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
	}
	return e.Msg
}

// Expr is one compiled expression.
type Expr struct {
	Src  string
	want Want
	prg  cel.Program
	// reads: which item fields and type attributes the result depends on.
	ReadSet
	lits map[string][]string
	// kinds the expression can be true for (Bool only); nil means any.
	kinds []forces.Kind
	// constant result, when the expression reads nothing at all.
	constant ref.Val
}

// Compile compiles src, which must give want.
func Compile(src string, want Want) (*Expr, *CompileError) {
	e, err := theEnv()
	if err != nil {
		return nil, &CompileError{Msg: "the expression environment failed: " + err.Error()}
	}
	if strings.TrimSpace(src) == "" {
		return nil, &CompileError{Msg: "the expression is empty"}
	}
	ast, iss := e.Compile(src)
	if iss != nil && iss.Err() != nil {
		ce := &CompileError{Msg: iss.Err().Error(), Display: iss.String()}
		if errs := iss.Errors(); len(errs) > 0 {
			ce.Msg = errs[0].Message
			if loc := errs[0].Location; loc != nil && loc.Line() > 0 {
				ce.Line, ce.Col = loc.Line(), loc.Column()+1
			}
		}
		return nil, ce
	}
	out := ast.OutputType()
	ok := out.IsExactType(types.DynType)
	switch want {
	case Bool:
		ok = ok || out.IsExactType(types.BoolType)
	case Int:
		ok = ok || out.IsExactType(types.IntType)
	case Ordered:
		ok = ok || out.IsExactType(types.IntType) || out.IsExactType(types.DoubleType) ||
			out.IsExactType(types.StringType) || out.IsExactType(types.BoolType)
	}
	if !ok {
		return nil, &CompileError{Msg: fmt.Sprintf("must give %s, but gives %s", want, typeWord(out))}
	}
	// A cost limit: a rule is a few comparisons, and a file with a runaway
	// comprehension must fail, not hang the count.
	prg, err := e.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(MaxCost))
	if err != nil {
		return nil, &CompileError{Msg: err.Error()}
	}
	x := &Expr{Src: src, want: want, prg: prg}
	r := &reader{attrs: map[string]bool{}, lits: map[string][]string{}}
	r.walk(ast.NativeRep().Expr())
	x.fieldBits, x.readsAll, x.lits = r.fields, r.all, r.lits
	for a := range r.attrs {
		x.attrs = append(x.attrs, a)
	}
	sort.Strings(x.attrs)
	if want == Bool {
		x.kinds = kindsOf(ast.NativeRep().Expr())
	}
	if !x.readsAll && x.fieldBits == 0 && len(x.attrs) == 0 {
		// Reads nothing: evaluate once now (a literal "1").
		v, _, err := prg.Eval(&activation{item: &Item{}})
		if err == nil {
			x.constant = v
		}
	}
	return x, nil
}

func typeWord(t *types.Type) string {
	switch {
	case t.IsExactType(types.StringType):
		return "a string"
	case t.IsExactType(types.BoolType):
		return "a bool"
	case t.IsExactType(types.IntType):
		return "an int"
	case t.IsExactType(types.DoubleType):
		return "a double (write a whole number, or int(...))"
	}
	return t.String()
}

// Kinds returns the item kinds a Bool expression can be true for, found
// from conjuncts such as item.kind == 'icbm' or item.kind in [...]; nil
// means it may match any kind.
func (x *Expr) Kinds() []forces.Kind { return x.kinds }

// ReadSet is what an expression (or a set of them) reads of item and
// type.
type ReadSet struct {
	fieldBits Field
	attrs     []string // sorted
	readsAll  bool
}

// Union returns the reads of both.
func (r ReadSet) Union(o ReadSet) ReadSet {
	u := ReadSet{fieldBits: r.fieldBits | o.fieldBits, readsAll: r.readsAll || o.readsAll}
	seen := map[string]bool{}
	for _, a := range append(append([]string{}, r.attrs...), o.attrs...) {
		if !seen[a] {
			seen[a] = true
			u.attrs = append(u.attrs, a)
		}
	}
	sort.Strings(u.attrs)
	return u
}

// ReadsWarheads reports whether item.warheads may be read.
func (r ReadSet) ReadsWarheads() bool { return r.readsAll || r.fieldBits&FWarheads != 0 }

// Reads returns the item fields and type attributes read; all is true
// when item or type is used as a whole.
func (r ReadSet) Reads() (fieldNames []string, attrs []string, all bool) {
	for _, f := range fields {
		if r.fieldBits&f.bit != 0 {
			fieldNames = append(fieldNames, f.name)
		}
	}
	return fieldNames, r.attrs, r.readsAll
}

// Key appends to buf a key that is equal for two items exactly when the
// same values are read from both, so that results can be memoised by it.
// attrsKey is called only when the attributes are read as a whole.
func (r ReadSet) Key(buf []byte, it *Item, attrsKey func() string) []byte {
	bits := r.fieldBits
	if r.readsAll {
		bits = ^Field(0)
	}
	for _, f := range fields {
		if bits&f.bit == 0 {
			continue
		}
		switch f.bit {
		case FKind:
			buf = append(buf, it.Kind...)
		case FType:
			buf = append(buf, it.TypeName...)
		case FStatus:
			buf = append(buf, it.Status...)
		case FSite:
			buf = append(buf, it.Site...)
		case FParty:
			buf = append(buf, it.Party...)
		case FWarheads:
			if it.HasWarheads {
				buf = strconv.AppendInt(buf, it.Warheads, 10)
			} else {
				buf = append(buf, '-')
			}
		case FConverting:
			buf = appendBool(buf, it.Converting)
		case FLoaded:
			buf = appendBool(buf, it.Loaded)
		case FContained:
			buf = appendBool(buf, it.Contained)
		case FAssumed:
			buf = appendBool(buf, it.Assumed)
		}
		buf = append(buf, 0)
	}
	if r.readsAll {
		return append(buf, attrsKey()...)
	}
	for _, a := range r.attrs {
		v, ok := it.Attrs[a]
		if !ok {
			buf = append(buf, 1)
		} else {
			buf = appendValue(buf, v)
		}
		buf = append(buf, 0)
	}
	return buf
}

func appendBool(buf []byte, b bool) []byte {
	if b {
		return append(buf, 't')
	}
	return append(buf, 'f')
}

func appendValue(buf []byte, v any) []byte {
	switch v := v.(type) {
	case int64:
		return strconv.AppendInt(append(buf, 'i'), v, 10)
	case int:
		return strconv.AppendInt(append(buf, 'i'), int64(v), 10)
	case float64:
		return strconv.AppendFloat(append(buf, 'f'), v, 'g', -1, 64)
	case bool:
		return appendBool(append(buf, 'b'), v)
	case string:
		return append(append(buf, 's'), v...)
	}
	return fmt.Appendf(append(buf, '?'), "%T:%v", v, v)
}

// activation binds item and type for one evaluation without allocating a
// map per call.
type activation struct {
	item  *Item
	attrs ref.Val
}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "item":
		return a.item, true
	case "type":
		if a.attrs == nil {
			a.attrs = types.NewStringInterfaceMap(types.DefaultTypeAdapter, map[string]any(a.item.Attrs))
		}
		return a.attrs, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

// Eval evaluates the expression for it and returns the raw CEL value,
// checked against what the expression must give.
func (x *Expr) Eval(it *Item) (ref.Val, error) {
	if x.constant != nil {
		return x.constant, nil
	}
	v, _, err := x.prg.Eval(&activation{item: it})
	if err != nil {
		if strings.Contains(err.Error(), ErrNoWarheads.Error()) {
			return nil, ErrNoWarheads
		}
		return nil, err
	}
	switch x.want {
	case Bool:
		if _, ok := v.(types.Bool); !ok {
			return nil, fmt.Errorf("gave %s, not true or false", describe(v))
		}
	case Int:
		switch n := v.(type) {
		case types.Int:
		case types.Uint:
			if uint64(n) > 1<<62 {
				return nil, fmt.Errorf("gave %s, too large", describe(v))
			}
			v = types.Int(n)
		default:
			return nil, fmt.Errorf("gave %s, not a whole number", describe(v))
		}
	case Ordered:
		switch v.(type) {
		case types.Int, types.Uint, types.Double, types.String, types.Bool:
		default:
			return nil, fmt.Errorf("gave %s, which cannot be ordered", describe(v))
		}
	}
	return v, nil
}

func describe(v ref.Val) string {
	switch v := v.(type) {
	case types.String:
		return strconv.Quote(string(v)) + " (a string)"
	case types.Double:
		return strconv.FormatFloat(float64(v), 'g', -1, 64) + " (a double)"
	case types.Bool:
		return strconv.FormatBool(bool(v)) + " (a bool)"
	case types.Null:
		return "null"
	}
	return fmt.Sprintf("%v (%s)", v.Value(), v.Type().TypeName())
}

// Compare orders two values given by Ordered expressions: numbers by
// value, strings lexically, false before true; values of different kinds
// by kind.
func Compare(a, b ref.Val) int {
	fa, aNum := number(a)
	fb, bNum := number(b)
	switch {
	case aNum && bNum:
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	case aNum:
		return -1
	case bNum:
		return 1
	}
	sa, aStr := a.(types.String)
	sb, bStr := b.(types.String)
	if aStr && bStr {
		return strings.Compare(string(sa), string(sb))
	}
	ba, _ := a.(types.Bool)
	bb, _ := b.(types.Bool)
	switch {
	case ba == bb:
		return 0
	case !bool(ba):
		return -1
	}
	return 1
}

func number(v ref.Val) (float64, bool) {
	switch n := v.(type) {
	case types.Int:
		return float64(n), true
	case types.Uint:
		return float64(n), true
	case types.Double:
		return float64(n), true
	}
	return 0, false
}

// reader walks a checked syntax tree and records what it reads of item
// and type.
type reader struct {
	fields Field
	attrs  map[string]bool
	all    bool
	// lits are the string literals compared with item.<field>.
	lits map[string][]string
}

func (r *reader) field(name string) {
	for _, f := range fields {
		if f.name == name {
			r.fields |= f.bit
			return
		}
	}
	r.all = true
}

func (r *reader) walk(e celast.Expr) {
	switch e.Kind() {
	case celast.IdentKind:
		if n := e.AsIdent(); n == "item" || n == "type" {
			r.all = true // used as a whole
		}
	case celast.SelectKind:
		s := e.AsSelect()
		if op := s.Operand(); op.Kind() == celast.IdentKind {
			switch op.AsIdent() {
			case "item":
				r.field(s.FieldName())
				return
			case "type":
				r.attrs[s.FieldName()] = true
				return
			}
		}
		r.walk(s.Operand())
	case celast.CallKind:
		c := e.AsCall()
		args := c.Args()
		switch c.FunctionName() {
		case "_==_", "_!=_", "@in":
			if len(args) == 2 {
				r.compared(args[0], args[1])
				if c.FunctionName() != "@in" {
					r.compared(args[1], args[0])
				}
			}
		case "_[_]", "_[?_]", "_?._":
			if len(args) == 2 && args[0].Kind() == celast.IdentKind && args[1].Kind() == celast.LiteralKind {
				if s, ok := args[1].AsLiteral().(types.String); ok {
					switch args[0].AsIdent() {
					case "type":
						r.attrs[string(s)] = true
						return
					case "item":
						r.field(string(s))
						return
					}
				}
			}
		}
		if c.IsMemberFunction() {
			r.walk(c.Target())
		}
		for _, a := range args {
			r.walk(a)
		}
	case celast.ListKind:
		for _, el := range e.AsList().Elements() {
			r.walk(el)
		}
	case celast.MapKind:
		for _, en := range e.AsMap().Entries() {
			me := en.AsMapEntry()
			r.walk(me.Key())
			r.walk(me.Value())
		}
	case celast.StructKind:
		for _, en := range e.AsStruct().Fields() {
			r.walk(en.AsStructField().Value())
		}
	case celast.ComprehensionKind:
		c := e.AsComprehension()
		r.walk(c.IterRange())
		r.walk(c.AccuInit())
		r.walk(c.LoopCondition())
		r.walk(c.LoopStep())
		r.walk(c.Result())
	}
}

// compared records string literals compared with an item field.
func (r *reader) compared(field, val celast.Expr) {
	if field.Kind() != celast.SelectKind {
		return
	}
	s := field.AsSelect()
	if s.Operand().Kind() != celast.IdentKind || s.Operand().AsIdent() != "item" {
		return
	}
	var lits []string
	if val.Kind() == celast.ListKind {
		for _, el := range val.AsList().Elements() {
			lits = append(lits, stringLits(el)...)
		}
	} else {
		lits = stringLits(val)
	}
	if len(lits) > 0 {
		r.lits[s.FieldName()] = append(r.lits[s.FieldName()], lits...)
	}
}

// Compared returns the string literals the expression compares with
// item.<field> (item.kind == 'icbm', item.status in ['test', ...]), so
// that a treaty can reject a misspelt kind or status.
func (x *Expr) Compared(field string) []string { return x.lits[field] }

// kindsOf finds the kinds a condition can hold for from its top-level
// conjuncts; nil when it cannot tell.
func kindsOf(e celast.Expr) []forces.Kind {
	var set map[forces.Kind]bool
	known := false
	var visit func(e celast.Expr)
	visit = func(e celast.Expr) {
		if e.Kind() != celast.CallKind {
			return
		}
		c := e.AsCall()
		args := c.Args()
		var lits []string
		switch c.FunctionName() {
		case "_&&_":
			for _, a := range args {
				visit(a)
			}
			return
		case "_==_":
			if len(args) == 2 {
				if isItemKind(args[0]) {
					lits = stringLits(args[1])
				} else if isItemKind(args[1]) {
					lits = stringLits(args[0])
				}
			}
		case "@in":
			if len(args) == 2 && isItemKind(args[0]) && args[1].Kind() == celast.ListKind {
				lits = []string{}
				for _, el := range args[1].AsList().Elements() {
					s := stringLits(el)
					if s == nil {
						return
					}
					lits = append(lits, s...)
				}
			}
		}
		if lits == nil {
			return
		}
		next := map[forces.Kind]bool{}
		for _, l := range lits {
			if !known || set[forces.Kind(l)] {
				next[forces.Kind(l)] = true
			}
		}
		set, known = next, true
	}
	visit(e)
	if !known {
		return nil
	}
	out := make([]forces.Kind, 0, len(set))
	for _, k := range forces.Kinds {
		if set[k] {
			out = append(out, k)
		}
	}
	for k := range set {
		if !knownKind(k) {
			out = append(out, k)
		}
	}
	return out
}

func knownKind(k forces.Kind) bool {
	for _, x := range forces.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func isItemKind(e celast.Expr) bool {
	if e.Kind() != celast.SelectKind {
		return false
	}
	s := e.AsSelect()
	return !s.IsTestOnly() && s.FieldName() == "kind" && s.Operand().Kind() == celast.IdentKind && s.Operand().AsIdent() == "item"
}

func stringLits(e celast.Expr) []string {
	if e.Kind() != celast.LiteralKind {
		return nil
	}
	if s, ok := e.AsLiteral().(types.String); ok {
		return []string{string(s)}
	}
	return nil
}
