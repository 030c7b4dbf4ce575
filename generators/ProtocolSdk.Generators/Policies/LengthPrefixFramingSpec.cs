using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary><c>[LengthPrefixFraming]</c> (PSDK016): PrefixBytes 1, 2 or 4; a positive MaxLength the prefix can express.</summary>
internal sealed class LengthPrefixFramingSpec : PolicySpec
{
    public LengthPrefixFramingSpec() : base("LengthPrefixFraming", "PSDK016") { }

    public override bool IsFraming => true;

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        bool ok = CheckMaxLength(attribute, problems, PolicyDefaults.LengthPrefixMaxLength, "largest payload accepted", out int maxLength);
        long prefix = Integer(attribute, "PrefixBytes", PolicyDefaults.LengthPrefixBytes);
        if (prefix is not (1 or 2 or 4))
        {
            problems.Error("PrefixBytes", "PrefixBytes = " + Text(prefix) + " is not 1, 2 or 4");
            return null;
        }
        bool bigEndian = TryGetNamed(attribute, "BigEndian", out var order) && order.Value is bool b ? b : PolicyDefaults.LengthPrefixBigEndian;
        if (ok && prefix < 4)
        {
            long capacity = prefix == 1 ? byte.MaxValue : ushort.MaxValue;
            if (maxLength > capacity)
            {
                bool isDefault = !TryGetNamed(attribute, "MaxLength", out _);
                problems.Error(isDefault ? "PrefixBytes" : "MaxLength",
                    "MaxLength = " + Text(maxLength) + (isDefault ? " (the default)" : "") + " is more than a " + Text(prefix) +
                    "-byte prefix can express (" + Text(capacity) + "); set MaxLength to at most " + Text(capacity) + " or use a longer prefix");
                return null;
            }
        }
        return ok ? new LengthPrefixFramingModel((int)prefix, maxLength, bigEndian) : null;
    }
}
