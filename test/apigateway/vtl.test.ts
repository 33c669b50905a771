// The Velocity engine of mapping templates, on its own: directives, references, literals, operators, whitespace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostObject, renderTemplate, VtlError } from '../../src/services/apigateway/vtl/index.js';
import { jsonPath } from '../../src/services/apigateway/vtl/jsonpath.js';

const r = (t: string, vars: Record<string, unknown> = {}) => renderTemplate(t, vars);

describe('VTL engine', () => {
  test('references: properties, method calls, indexes, braces, quiet and null references', () => {
    const vars = { m: { a: { b: 'x' }, list: [1, 2, 3] }, s: 'Hello' };
    assert.equal(r('$m.a.b ${m.a.b}! $m.list[1] $m.list.size() $s.toUpperCase() $s.substring(1, 3)', vars), 'x x! 2 3 HELLO el');
    assert.equal(r('[$nothing] [$!nothing] [$!{nothing}] [${nothing}]'), '[$nothing] [] [] [${nothing}]');
    assert.equal(r('price: $5 and $'), 'price: $5 and $');
    assert.equal(r('$m.get("a").get("b") $m.containsKey("a") $m.keySet()', vars), 'x true [a, list]');
    // a property the value does not have is a null reference, rendered as written
    assert.equal(r('email@$s.com ${s}.com', vars), 'email@$s.com Hello.com');
  });

  test('#set with literals: strings, numbers, booleans, lists, ranges, maps; interpolation in double quotes only', () => {
    assert.equal(r('#set($a = 5)#set($b = "n=$a")#set($c = \'n=$a\')$b $c'), 'n=5 n=$a');
    assert.equal(r('#set($l = [1, "two", true])$l $l.size()'), '[1, two, true] 3');
    assert.equal(r('#set($m = {"k": 1, "j": [2]})$m.k $m.j[0] $m'), '1 2 {k=1, j=[2]}');
    assert.equal(r('#foreach($i in [1..4])$i#end'), '1234');
    // put returns the previous value (null here, so the call renders as written)
    assert.equal(r('#set($m = {})#set($m.x = 3)$m.x $m.put("y", 4) $m.y'), '3 $m.put("y", 4) 4');
    // #set to null leaves the variable as it was (Velocity 1.7)
    assert.equal(r('#set($a = 1)#set($a = $missing)$a'), '1');
  });

  test('#if/#elseif/#else with comparison and logical operators', () => {
    const t = '#if($n > 10 && $n != 20)big#elseif($n == 20 || $s == "x")twenty#else small#end';
    assert.equal(r(t, { n: 15 }), 'big');
    assert.equal(r(t, { n: 20 }), 'twenty');
    assert.equal(r(t, { n: 1, s: 'x' }), 'twenty');
    assert.equal(r(t, { n: 1 }), ' small');
    assert.equal(r('#if(!$missing)none#end #if($e)yes#{else}no#{end}', { e: false }), 'none no');
    assert.equal(r('#if($a eq "b" and not $c)ok#end', { a: 'b', c: false }), 'ok');
    assert.equal(r('#if($a.isEmpty())empty#end', { a: '' }), 'empty');
  });

  test('arithmetic: integer division stays integral', () => {
    assert.equal(r('#set($x = 7 / 2)#set($y = 7 % 3)#set($z = 2 * (3 + 4) - 1)$x $y $z'), '3 1 13');
    assert.equal(r('#set($s = "a" + 1)$s'), 'a1');
  });

  test('#foreach with $foreach.hasNext, $foreach.index, $velocityCount, #break, nested', () => {
    assert.equal(r('[#foreach($x in $l)"$x"#if($foreach.hasNext),#end#end]', { l: ['a', 'b', 'c'] }), '["a","b","c"]');
    assert.equal(r('#foreach($x in $l)$velocityCount:$foreach.index #end', { l: ['a', 'b'] }), '1:0 2:1 ');
    assert.equal(r('#foreach($x in [1..10])#if($x > 3)#break#end$x#end'), '123');
    assert.equal(r('#foreach($a in [1,2])#foreach($b in ["x","y"])$a$b #end#end'), '1x 1y 2x 2y ');
    assert.equal(r('#foreach($k in $m.keySet())$k=$m.get($k);#end', { m: { a: 1, b: 2 } }), 'a=1;b=2;');
  });

  test('comments and whitespace: a directive alone on its line leaves no blank line', () => {
    const t = '{\n  ## a comment\n  #set($a = 1)\n  #if($a == 1)\n  "a": $a\n  #end\n  #* block\n  comment *#\n}';
    assert.equal(r(t), '{\n  "a": 1\n}');
    assert.equal(r('a #* inline *# b'), 'a  b');
    assert.equal(r('#[[$not #parsed]]#'), '$not #parsed');
    assert.equal(r('#stop is not #foo'), '');
    assert.equal(r('x #foo y'), 'x #foo y');
  });

  test('host objects: methods called with arguments', () => {
    class Util extends HostObject {
      twice(s: string) {
        return s + s;
      }
      get prop() {
        return 'p';
      }
    }
    assert.equal(r('$u.twice("ab") $u.prop', { u: new Util() }), 'abab p');
  });

  test('errors: unterminated directives and bad expressions throw VtlError with a position', () => {
    assert.throws(() => r('#if($a)'), VtlError);
    assert.throws(() => r('#set($a = )'), (e: Error) => e instanceof VtlError && /line 1/.test(e.message));
    assert.throws(() => r('#end'), VtlError);
    assert.throws(() => r('#foreach($a [1])x#end'), VtlError);
  });

  test('JSONPath: members, indexes, wildcards, deep scan', () => {
    const doc = { a: { b: [{ c: 1 }, { c: 2 }] }, 'd-e': 'x' };
    assert.equal(jsonPath(doc, '$.a.b[1].c'), 2);
    assert.deepEqual(jsonPath(doc, '$.a.b[*].c'), [1, 2]);
    assert.deepEqual(jsonPath(doc, '$..c'), [1, 2]);
    assert.equal(jsonPath(doc, "$['d-e']"), 'x');
    assert.equal(jsonPath(doc, '$.nope'), undefined);
    assert.deepEqual(jsonPath(doc, '$'), doc);
  });
});
