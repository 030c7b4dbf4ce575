using System.Globalization;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting;

/// <summary>C# literals for generated code, culture-invariant and deterministic.</summary>
internal static class Literals
{
    public const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"ProtocolSdk.Generators\", \"" + GeneratorInfo.Version + "\")]";
    public const string NonUserCode = "[global::System.Diagnostics.DebuggerNonUserCode]";

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    /// <summary>A round-trippable double literal: <c>100d</c>, <c>0.5d</c>, <c>1E-05d</c>.</summary>
    public static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture) + "d";

    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>A C# string literal, ASCII only: characters above 0x7E are written as <c>\\uXXXX</c> escapes; null as <c>null</c>.</summary>
    public static string String(string? value)
    {
        if (value is null) return "null";
        string literal = Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);
        var text = new System.Text.StringBuilder(literal.Length);
        foreach (char character in literal)
        {
            if (character > '~') text.Append("\\u").Append(((int)character).ToString("X4", CultureInfo.InvariantCulture));
            else text.Append(character);
        }
        return text.ToString();
    }

    public static string StringArray(EquatableArray<string> items)
    {
        if (items.IsEmpty) return "global::System.Array.Empty<string>()";
        var parts = new string[items.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = String(items[i]);
        return "new string[] { " + string.Join(", ", parts) + " }";
    }
}
