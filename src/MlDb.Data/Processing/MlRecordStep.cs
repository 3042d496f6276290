using MlDb.Language;

namespace MlDb.Data.Processing;

/// <summary>
/// The ML step of a per-record write, kept apart from the write step (<see cref="SqlRecordWriter"/>):
/// the record goes through its function (validate / transform) and the result is checked to be an
/// object to write. It does no I/O and keeps no state between records, so several records can go
/// through it side by side (a compiled script may be called from several threads).
/// </summary>
public sealed class MlRecordStep(MlFunctionCall? function, RecordNames? names = null, string verb = "inserted")
{
    private readonly RecordNames _names = names ?? RecordNames.ByPosition;

    public MlFunctionCall? Function { get; } = function;

    /// <summary>
    /// The object to write, or null when the function returned null (the record is skipped).
    /// Throws <see cref="MlRecordException"/> (RecordRejected when the function threw, InvalidResult
    /// when the result is not an object) naming the record by position and key, and
    /// <see cref="MlScriptException"/> for Ctrl+C and the time limit.
    /// </summary>
    public MlObject? Apply(MlValue record, int index)
    {
        var processed = record;
        if (Function is not null)
        {
            try
            {
                processed = Function.Call(record);
            }
            catch (MlScriptException ex) when (!ex.IsCancellation && !ex.IsTimeout)
            {
                throw Reject(MlDbErrorIds.RecordRejected, index, record, $"{Function.Name} rejected it: {ex.Message}", ex);
            }
            if (processed.IsNull) return null;
        }
        if (processed.TryGetObject(out var obj)) return obj;
        throw Reject(MlDbErrorIds.InvalidResult, index, record,
            Function is null ? $"a record must be an object, not {RecordNames.Shape(processed)}" : $"{Function.Name} returned {RecordNames.Shape(processed)}, not an object to write", null);
    }

    private MlRecordException Reject(string id, int index, MlValue record, string reason, Exception? inner)
    {
        string name = _names.Name(index, record);
        return new MlRecordException(id, MlDbErrorKind.InvalidData, $"{Capitalize(name)} was not {verb}: {reason}", index, name, inner);
    }

    internal static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
