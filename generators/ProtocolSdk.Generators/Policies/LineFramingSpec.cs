using System.Globalization;
using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>
/// <c>[LineFraming]</c> (PSDK016): a positive MaxLength; a Delimiter that is null (the default: "\n" or "\r\n") or
/// non-empty with characters 0..255 (one byte each).
/// </summary>
internal sealed class LineFramingSpec : PolicySpec
{
    public LineFramingSpec() : base("LineFraming", "PSDK016") { }

    public override bool IsFraming => true;

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        bool ok = CheckMaxLength(attribute, problems, PolicyDefaults.LineFramingMaxLength, "longest line accepted", out int maxLength);
        string? delimiter = PolicyDefaults.LineFramingDelimiter;
        if (TryGetNamed(attribute, "Delimiter", out var constant) && !constant.IsNull)
        {
            delimiter = constant.Value as string;
            if (delimiter is null || delimiter.Length == 0)
            {
                problems.Error("Delimiter", "the Delimiter is empty; use e.g. \"\\r\\n\" or \"\\n\", or leave it unset to accept both");
                return null;
            }
            for (int i = 0; i < delimiter.Length; i++)
            {
                if (delimiter[i] > '\u00FF')
                {
                    problems.Error("Delimiter",
                        "Delimiter character U+" + ((int)delimiter[i]).ToString("X4", CultureInfo.InvariantCulture) + " at index " + Text(i) +
                        " is above 255; delimiter characters are taken as single bytes (0..255)");
                    return null;
                }
            }
        }
        return ok ? new LineFramingModel(maxLength, delimiter) : null;
    }
}
