using System.Runtime.CompilerServices;

namespace MlDb.Language;

/// <summary>The kinds of ML values (spec §2).</summary>
public enum MlKind : byte
{
    Null,
    Boolean,
    Int,
    Double,
    Decimal,
    String,
    Array,
    Object,
    Function,
    Date,
    Bytes,
    Opaque,
}

/// <summary>
/// One ML value. A 16-byte struct: a reference that says what the value is, and 64 bits of
/// payload for the kinds that need no heap object (int, double, boolean, date), so integer and
/// double arithmetic never allocates.
/// </summary>
/// <remarks>
/// Layout: <c>null</c> reference = ML null. A tag object (<see cref="Tags"/>) marks int, double,
/// boolean and date, with the payload in <see cref="_bits"/> (date = UTC ticks). Otherwise the
/// reference is the value itself: <see cref="string"/>, boxed <see cref="decimal"/>,
/// <see cref="MlArray"/>, <see cref="MlObject"/>, <see cref="MlFunction"/>, <see cref="byte"/>[]
/// (never mutated) or an <see cref="MlOpaque"/>.
/// </remarks>
public readonly struct MlValue
{
    internal readonly object? _ref;
    internal readonly long _bits;

    internal MlValue(object? reference, long bits)
    {
        _ref = reference;
        _bits = bits;
    }

    internal static class Tags
    {
        public static readonly object Int = new TagObject("int");
        public static readonly object Double = new TagObject("double");
        public static readonly object Bool = new TagObject("boolean");
        public static readonly object Date = new TagObject("date");
        /// <summary>Marks a binding that exists but has not been initialised yet (TDZ).</summary>
        public static readonly object Uninitialized = new TagObject("uninitialized");
    }

    private sealed class TagObject(string name)
    {
        public override string ToString() => name;
    }

    public static readonly MlValue Null = default;
    public static readonly MlValue True = new(Tags.Bool, 1);
    public static readonly MlValue False = new(Tags.Bool, 0);
    internal static readonly MlValue Uninitialized = new(Tags.Uninitialized, 0);

    // ---- factories -------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MlValue FromInt(long value) => new(Tags.Int, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MlValue FromDouble(double value) => new(Tags.Double, BitConverter.DoubleToInt64Bits(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MlValue FromBool(bool value) => value ? True : False;

    public static MlValue FromDecimal(decimal value) => new(value, 0);

    public static MlValue FromString(string? value) => value is null ? Null : new(value, 0);

    public static MlValue FromArray(MlArray? value) => value is null ? Null : new(value, 0);

    public static MlValue FromObject(MlObject? value) => value is null ? Null : new(value, 0);

    public static MlValue FromFunction(MlFunction? value) => value is null ? Null : new(value, 0);

    public static MlValue FromOpaque(MlOpaque? value) => value is null ? Null : new(value, 0);

    /// <summary>Bytes are immutable in ML; the array is taken as is and must not be changed afterwards.</summary>
    public static MlValue FromBytes(byte[]? value) => value is null ? Null : new(value, 0);

    /// <summary>A date from UTC ticks (0001-01-01 based, as <see cref="DateTime.Ticks"/>).</summary>
    public static MlValue FromDateTicks(long utcTicks) => new(Tags.Date, utcTicks);

    /// <summary>A date: Utc kept, Local converted to UTC, Unspecified taken as UTC (spec §13.1).</summary>
    public static MlValue FromDate(DateTime value) =>
        FromDateTicks(value.Kind == DateTimeKind.Local ? value.ToUniversalTime().Ticks : value.Ticks);

    public static MlValue FromDate(DateTimeOffset value) => FromDateTicks(value.UtcTicks);

    public static implicit operator MlValue(long value) => FromInt(value);
    public static implicit operator MlValue(double value) => FromDouble(value);
    public static implicit operator MlValue(bool value) => FromBool(value);
    public static implicit operator MlValue(string? value) => FromString(value);
    public static implicit operator MlValue(decimal value) => FromDecimal(value);
    public static implicit operator MlValue(MlArray? value) => FromArray(value);
    public static implicit operator MlValue(MlObject? value) => FromObject(value);

    // ---- kind tests ------------------------------------------------------------------------

    public MlKind Kind
    {
        get
        {
            object? r = _ref;
            if (r is null) return MlKind.Null;
            if (ReferenceEquals(r, Tags.Int)) return MlKind.Int;
            if (ReferenceEquals(r, Tags.Double)) return MlKind.Double;
            if (ReferenceEquals(r, Tags.Bool)) return MlKind.Boolean;
            if (ReferenceEquals(r, Tags.Date)) return MlKind.Date;
            return r switch
            {
                string => MlKind.String,
                MlObject => MlKind.Object,
                MlArray => MlKind.Array,
                MlFunction => MlKind.Function,
                decimal => MlKind.Decimal,
                byte[] => MlKind.Bytes,
                MlOpaque => MlKind.Opaque,
                _ => throw new InvalidOperationException("Corrupt ML value: " + r.GetType()),
            };
        }
    }

    public bool IsNull => _ref is null;
    public bool IsInt => ReferenceEquals(_ref, Tags.Int);
    public bool IsDouble => ReferenceEquals(_ref, Tags.Double);
    public bool IsBool => ReferenceEquals(_ref, Tags.Bool);
    public bool IsDate => ReferenceEquals(_ref, Tags.Date);
    public bool IsDecimal => _ref is decimal;
    public bool IsString => _ref is string;
    public bool IsArray => _ref is MlArray;
    public bool IsObject => _ref is MlObject;
    public bool IsFunction => _ref is MlFunction;
    public bool IsBytes => _ref is byte[];
    public bool IsOpaque => _ref is MlOpaque;
    public bool IsNumber => IsInt || IsDouble || IsDecimal;
    internal bool IsUninitialized => ReferenceEquals(_ref, Tags.Uninitialized);

    // ---- accessors (callers check the kind first) ----------------------------------------------

    public long AsInt => _bits;
    public double AsDouble => BitConverter.Int64BitsToDouble(_bits);
    public bool AsBool => _bits != 0;
    public decimal AsDecimal => (decimal)_ref!;
    public string AsString => (string)_ref!;
    public MlArray AsArray => (MlArray)_ref!;
    public MlObject AsObject => (MlObject)_ref!;
    public MlFunction AsFunction => (MlFunction)_ref!;
    public byte[] AsBytes => (byte[])_ref!;
    public MlOpaque AsOpaque => (MlOpaque)_ref!;
    public long AsDateTicks => _bits;
    public DateTime AsDateTime => new(_bits, DateTimeKind.Utc);

    public bool TryGetString(out string value)
    {
        if (_ref is string s) { value = s; return true; }
        value = "";
        return false;
    }

    public bool TryGetObject(out MlObject value)
    {
        if (_ref is MlObject o) { value = o; return true; }
        value = null!;
        return false;
    }

    public bool TryGetArray(out MlArray value)
    {
        if (_ref is MlArray a) { value = a; return true; }
        value = null!;
        return false;
    }

    /// <summary>Numeric value as double (int, double or decimal); callers check <see cref="IsNumber"/>.</summary>
    public double ToDouble()
    {
        if (IsDouble) return AsDouble;
        if (IsInt) return AsInt;
        return (double)AsDecimal;
    }

    /// <summary>Truthiness (spec §2): null, false, numeric zero, NaN and "" are false.</summary>
    public bool IsTruthy
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            object? r = _ref;
            if (ReferenceEquals(r, Tags.Bool) || ReferenceEquals(r, Tags.Int)) return _bits != 0;
            return r is not null && TruthySlow();
        }
    }

    private bool TruthySlow()
    {
        object r = _ref!;
        if (ReferenceEquals(r, Tags.Double)) { double d = AsDouble; return d != 0 && !double.IsNaN(d); }
        if (r is string s) return s.Length != 0;
        if (r is decimal m) return m != 0m;
        return true;
    }

    /// <summary><c>typeof(x)</c> of spec §2.</summary>
    public string TypeOf => Kind switch
    {
        MlKind.Null => "null",
        MlKind.Boolean => "boolean",
        MlKind.Int or MlKind.Double or MlKind.Decimal => "number",
        MlKind.String => "string",
        MlKind.Array => "array",
        MlKind.Object => "object",
        MlKind.Function => "function",
        MlKind.Date => "date",
        MlKind.Bytes => "bytes",
        MlKind.Opaque => AsOpaque.TypeName,
        _ => "unknown",
    };

    /// <summary><c>typeName(x)</c> of spec §2.</summary>
    public string TypeName => Kind switch
    {
        MlKind.Int => "int",
        MlKind.Double => "double",
        MlKind.Decimal => "decimal",
        _ => TypeOf,
    };

    /// <summary>The <c>str()</c> text of the value (spec §6.3).</summary>
    public override string ToString() => MlFormat.Str(this);
}
