using MlDb.Language.Builtins;
using MlDb.Language.Syntax;

namespace MlDb.Language.Compiler;

/// <summary>
/// Recognises, at compile time, functions that only order by one key of their arguments, so
/// that sorts can read the keys once instead of calling the function for every comparison
/// (<see cref="KeySort"/>):
/// <list type="bullet">
/// <item>comparators <c>(a, b) => a.k - b.k</c> and <c>b.k - a.k</c>;</item>
/// <item>comparators that compare one key and return number literals, such as
/// <c>a.k &lt; b.k ? -1 : a.k &gt; b.k ? 1 : 0</c> (any nesting of <c>?:</c> over
/// <c>&lt; &lt;= &gt; &gt;= == !=</c> and <c>!</c> between <c>a.k</c> and <c>b.k</c>) whose result, for
/// keys that are less, equal and greater, is an ascending or a descending order;</item>
/// <item>key functions <c>(x) => x.k</c> (for <c>collections.sortBy</c>).</item>
/// </list>
/// Only expression bodies count (<c>fn(a, b) => …</c>, or a block that only returns): they run
/// no statements, so skipping the calls skips no step of the step limit. <c>x["k"]</c> with a
/// string literal works like <c>x.k</c>.
/// </summary>
internal static class SortPatterns
{
    /// <summary>The comparator's key order, or null when <paramref name="fn"/> is not such a comparator.</summary>
    public static SortKeyPattern? Comparator(FunctionNode fn, Expr? body)
    {
        var parameters = fn.Scope!.Parameters;
        if (body is null || parameters.Count < 2) return null;
        var reader = new KeyReads(parameters[0], parameters[1]);
        if (!reader.IsComparatorExpression(body)) return null;
        int less = reader.Sign(body, KeyRelation.Less);
        int equal = reader.Sign(body, KeyRelation.Equal);
        int greater = reader.Sign(body, KeyRelation.Greater);
        bool ascending = less < 0 && equal == 0 && greater > 0;
        bool descending = less > 0 && equal == 0 && greater < 0;
        if (!ascending && !descending) return null;
        return new SortKeyPattern(reader.Key!, reader.ViaIndex, descending, reader.Subtracts);
    }

    /// <summary>The key of a key function <c>(x) => x.k</c>, or null.</summary>
    public static SortKeyPattern? KeyFunction(FunctionNode fn, Expr? body)
    {
        var parameters = fn.Scope!.Parameters;
        if (body is null || parameters.Count < 1) return null;
        var reader = new KeyReads(parameters[0], null);
        return reader.Read(body) == 0 ? new SortKeyPattern(reader.Key!, reader.ViaIndex, Descending: false, Subtracts: false) : null;
    }

    /// <summary>How the first argument's key relates to the second's.</summary>
    private enum KeyRelation { Less, Equal, Greater }

    /// <summary>Reads of one key from the first or second parameter; every read must name the same key the same way.</summary>
    private sealed class KeyReads(Binding first, Binding? second)
    {
        public string? Key;
        public bool ViaIndex;
        public bool Subtracts;

        /// <summary>0 when <paramref name="e"/> reads the key of the first parameter, 1 of the second, -1 otherwise.</summary>
        public int Read(Expr e)
        {
            Expr target;
            string name;
            bool viaIndex;
            switch (e)
            {
                case MemberExpr m:
                    target = m.Target;
                    name = m.Name;
                    viaIndex = false;
                    break;
                case IndexExpr { Index: LiteralExpr { Value: { IsString: true } literal } } ix:
                    target = ix.Target;
                    name = literal.AsString;
                    viaIndex = true;
                    break;
                default:
                    return -1;
            }
            if (target is not NameExpr { Ref.Binding: { } binding }) return -1;
            int which = ReferenceEquals(binding, first) ? 0 : second is not null && ReferenceEquals(binding, second) ? 1 : -1;
            if (which < 0) return -1;
            if (Key is null)
            {
                Key = name;
                ViaIndex = viaIndex;
            }
            else if (!string.Equals(Key, name, StringComparison.Ordinal) || ViaIndex != viaIndex) return -1;
            return which;
        }

        /// <summary>A pair of reads, one of each parameter: +1 for (first, second), -1 for (second, first), 0 otherwise.</summary>
        private int Pair(Expr left, Expr right)
        {
            int l = Read(left), r = Read(right);
            if (l == 0 && r == 1) return 1;
            if (l == 1 && r == 0) return -1;
            return 0;
        }

        /// <summary>True when every part of <paramref name="e"/> is a form <see cref="Sign"/> can evaluate.</summary>
        public bool IsComparatorExpression(Expr e) => e switch
        {
            LiteralExpr l => IsNumberLiteral(l.Value),
            UnaryExpr { Op: UnaryOp.Negate, Operand: LiteralExpr l } => IsNumberLiteral(l.Value),
            BinaryExpr { Op: BinaryOp.Subtract } b => Pair(b.Left, b.Right) != 0 && (Subtracts = true),
            ConditionalExpr c => IsCondition(c.Condition) && IsComparatorExpression(c.WhenTrue) && IsComparatorExpression(c.WhenFalse),
            _ => false,
        };

        private bool IsCondition(Expr e) => e switch
        {
            UnaryExpr { Op: UnaryOp.Not } u => IsCondition(u.Operand),
            BinaryExpr { Op: BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual or BinaryOp.Equal or BinaryOp.NotEqual } b
                => Pair(b.Left, b.Right) != 0,
            _ => false,
        };

        private static bool IsNumberLiteral(MlValue v) => v.IsInt || v.IsDouble && !double.IsNaN(v.AsDouble);

        /// <summary>The sign the comparator returns when the first key is <paramref name="rel"/> the second.</summary>
        public int Sign(Expr e, KeyRelation rel)
        {
            switch (e)
            {
                case LiteralExpr l:
                    return LiteralSign(l.Value);
                case UnaryExpr { Operand: LiteralExpr l }:
                    return -LiteralSign(l.Value);
                case BinaryExpr b:
                    return Pair(b.Left, b.Right) * RelationSign(rel);
                case ConditionalExpr c:
                    return Sign(Holds(c.Condition, rel) ? c.WhenTrue : c.WhenFalse, rel);
                default:
                    throw new InvalidOperationException("not a comparator expression");
            }
        }

        private bool Holds(Expr condition, KeyRelation rel)
        {
            if (condition is UnaryExpr u) return !Holds(u.Operand, rel);
            var b = (BinaryExpr)condition;
            // The relation of the left operand's key to the right one's.
            int sign = Pair(b.Left, b.Right) * RelationSign(rel);
            return b.Op switch
            {
                BinaryOp.Less => sign < 0,
                BinaryOp.LessEqual => sign <= 0,
                BinaryOp.Greater => sign > 0,
                BinaryOp.GreaterEqual => sign >= 0,
                BinaryOp.Equal => sign == 0,
                _ => sign != 0,
            };
        }

        private static int RelationSign(KeyRelation rel) => rel switch
        {
            KeyRelation.Less => -1,
            KeyRelation.Equal => 0,
            _ => 1,
        };

        private static int LiteralSign(MlValue v) => v.IsInt ? Math.Sign(v.AsInt) : Math.Sign(v.AsDouble);
    }
}
