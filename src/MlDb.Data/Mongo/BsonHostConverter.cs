using MlDb.Language;
using MongoDB.Bson;

namespace MlDb.Data.Mongo;

/// <summary>
/// A host converter that also knows MongoDB.Bson values (spec §13.1): an <see cref="ObjectId"/>
/// becomes its 24-digit hex string, any <see cref="BsonValue"/> (documents and arrays included)
/// converts through <see cref="BsonMapping"/>. Derive from it to add more host types (the
/// PowerShell layer adds PSObject), or use <see cref="TryConvert"/> from another converter.
/// </summary>
public class BsonHostConverter : MlHostConverter
{
    public static new BsonHostConverter Default { get; } = new();

    /// <summary>Converts a MongoDB.Bson value; false for any other type.</summary>
    public static bool TryConvert(object value, out MlValue result)
    {
        switch (value)
        {
            case ObjectId id:
                result = MlValue.FromString(BsonMapping.ObjectIdText(id));
                return true;
            case BsonValue bson:
                result = BsonMapping.ToMl(bson);
                return true;
            default:
                result = default;
                return false;
        }
    }

    protected override bool TryConvertScalar(object value, out MlValue result) =>
        TryConvert(value, out result) || base.TryConvertScalar(value, out result);
}
