using System.Management.Automation;
using MlDb.Language;

namespace MlDb.PowerShell;

/// <summary>
/// The object <c>Add-MlRecord -PassThru</c> writes for a record whose row is committed: a
/// PSCustomObject with the record's fields as written (after its ML function), in order; the row's
/// key in its key column (replacing the record's own value of that column, or added after the
/// fields when the record did not carry it); then <c>Action</c> (<c>Inserted</c>, <c>Updated</c>,
/// <c>Unchanged</c>). A record with a field of its own named Action keeps it as it is, and the
/// action goes in <c>MlDbAction</c> instead. Every provider writes this shape.
/// </summary>
internal static class WrittenRecords
{
    public const string ActionProperty = "Action";

    /// <summary>Where the action goes when the record has its own <c>Action</c> field.</summary>
    public const string ActionFallbackProperty = "MlDbAction";

    /// <param name="record">The record as written.</param>
    /// <param name="keyColumn">The table's key column (primary key, <c>rowid</c>, <c>_id</c>), or null when it has none.</param>
    /// <param name="key">The row's key; null when unknown (the record's own value, if any, then stays).</param>
    /// <param name="action">Inserted, Updated or Unchanged.</param>
    public static PSObject Create(MlObject record, string? keyColumn, object? key, string action)
    {
        var pso = (PSObject)Materializer.ToPowerShell(MlValue.FromObject(record), asHashtable: false)!;
        if (keyColumn is not null)
        {
            if (pso.Properties[keyColumn] is PSNoteProperty own)
            {
                if (key is not null) own.Value = key;
            }
            else
            {
                pso.Properties.Add(new PSNoteProperty(keyColumn, key));
            }
        }
        string name = pso.Properties[ActionProperty] is null ? ActionProperty : ActionFallbackProperty;
        pso.Properties.Add(new PSNoteProperty(name, action));
        return pso;
    }
}
