using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>
/// The one definition of a policy attribute, compiled into the generator and the analyzers: its metadata name, how its
/// arguments are read (defaults come from <c>PolicyDefaults</c>, shared with the runtime attributes) and the one
/// validation both sides call. <see cref="Read"/> returns the model the emitter needs and reports every problem.
/// </summary>
internal abstract class PolicySpec
{
    protected PolicySpec(string name, string ruleId)
    {
        Name = name;
        ClassName = name + "Attribute";
        MetadataName = "ProtocolSdk." + ClassName;
        RuleId = ruleId;
    }

    /// <summary>The attribute as written without its suffix: <c>Throttle</c>.</summary>
    public string Name { get; }

    /// <summary>E.g. <c>ThrottleAttribute</c>.</summary>
    public string ClassName { get; }

    /// <summary>E.g. <c>ProtocolSdk.ThrottleAttribute</c>.</summary>
    public string MetadataName { get; }

    /// <summary>The diagnostic that reports this policy's invalid values.</summary>
    public string RuleId { get; }

    /// <summary>Several applications on one class are allowed (and compose).</summary>
    public virtual bool AllowMultiple => false;

    /// <summary>A framing attribute: it generates DataReceived and SendMessage, so a class (chain) can have only one.</summary>
    public virtual bool IsFraming => false;

    /// <summary>
    /// Checks <paramref name="attribute"/>, adding every problem to <paramref name="problems"/>, and returns its model;
    /// null when a problem is an error, or when the attribute has compile errors of its own (the compiler reports those).
    /// </summary>
    public PolicyModel? Read(AttributeData attribute, PolicyContext context, List<PolicyProblem> problems)
    {
        if (HasCompileErrors(attribute)) return null;
        int before = problems.Count;
        var model = Check(attribute, context, new Problems(this, attribute, problems));
        for (int i = before; i < problems.Count; i++)
        {
            if (problems[i].IsError) return null;
        }
        return model;
    }

    /// <summary>Reads and validates the arguments; returns null only after reporting an error.</summary>
    protected abstract PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems);

    /// <summary>Collects problems of one attribute.</summary>
    protected sealed class Problems
    {
        private readonly PolicySpec _spec;
        private readonly AttributeData _attribute;
        private readonly List<PolicyProblem> _list;

        public Problems(PolicySpec spec, AttributeData attribute, List<PolicyProblem> list)
        {
            _spec = spec;
            _attribute = attribute;
            _list = list;
        }

        /// <summary>An invalid value, reported by the spec's own rule with the attribute name as subject.</summary>
        public void Error(string? argument, string message, int position = -1, int element = -1) =>
            _list.Add(new PolicyProblem(_spec.RuleId, DiagnosticSeverity.Error, _attribute, argument, position, element, _spec.Name, message));

        /// <summary>A problem owned by another rule (e.g. PSDK004 for the overflow type), with its own subject.</summary>
        public void ErrorFor(string ruleId, string? argument, string subject, string message, int position = -1, int element = -1) =>
            _list.Add(new PolicyProblem(ruleId, DiagnosticSeverity.Error, _attribute, argument, position, element, subject, message));
    }

    public static bool HasCompileErrors(AttributeData attribute)
    {
        if (attribute.AttributeClass is null or { TypeKind: TypeKind.Error } || attribute.AttributeConstructor is null) return true;
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (argument.Kind == TypedConstantKind.Error) return true;
        }
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Value.Kind == TypedConstantKind.Error) return true;
        }
        return false;
    }

    protected static bool TryGetNamed(AttributeData attribute, string name, out TypedConstant value)
    {
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Key == name)
            {
                value = pair.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>A named <c>bool</c> argument, or false when it is not set.</summary>
    protected static bool Flag(AttributeData attribute, string name) =>
        TryGetNamed(attribute, name, out var constant) && constant.Value is true;

    /// <summary>
    /// The name a ClusterWide policy's keys are stored under: the protocol type's full name (namespace, containing
    /// types, type parameters), the same in every instance of the fleet; null when not ClusterWide.
    /// </summary>
    protected static string? ClusterName(AttributeData attribute, PolicyContext context) =>
        Flag(attribute, "ClusterWide")
            ? context.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted))
            : null;

    /// <summary>A named integral (or enum) argument, or <paramref name="fallback"/> when it is not set.</summary>
    protected static long Integer(AttributeData attribute, string name, long fallback) =>
        TryGetNamed(attribute, name, out var constant) && AsInteger(constant) is { } value ? value : fallback;

    protected static long? AsInteger(TypedConstant constant)
    {
        if (constant.Kind is not (TypedConstantKind.Primitive or TypedConstantKind.Enum) || constant.Value is null) return null;
        try
        {
            return Convert.ToInt64(constant.Value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return null;
        }
    }

    protected static double? AsNumber(TypedConstant constant)
    {
        if (constant.Kind != TypedConstantKind.Primitive || constant.Value is null or string or bool) return null;
        try
        {
            return Convert.ToDouble(constant.Value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return null;
        }
    }

    protected static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    protected static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Reports a negative value: "<c>Name = -5 is negative; use a positive value, or 0 for ...</c>"; false when reported.</summary>
    protected static bool CheckNotNegative(AttributeData attribute, Problems problems, string name, string zeroMeaning)
    {
        long value = Integer(attribute, name, 0);
        if (value >= 0) return true;
        problems.Error(name, name + " = " + Text(value) + " is negative; use a positive value, or 0 for " + zeroMeaning);
        return false;
    }

    /// <summary>IPv6PrefixLength within 0..128 (0 and 128 both mean the whole address).</summary>
    protected static int CheckPrefix(AttributeData attribute, Problems problems)
    {
        long prefix = Integer(attribute, "IPv6PrefixLength", PolicyDefaults.IPv6PrefixLength);
        if (prefix is >= 0 and <= PolicyDefaults.MaxIPv6PrefixLength) return (int)prefix;
        problems.Error("IPv6PrefixLength", "IPv6PrefixLength = " + Text(prefix) + " is outside 0..128");
        return -1;
    }

    /// <summary>A framing MaxLength is positive; false after reporting it.</summary>
    protected static bool CheckMaxLength(AttributeData attribute, Problems problems, int fallback, string meaning, out int maxLength)
    {
        long value = Integer(attribute, "MaxLength", fallback);
        maxLength = (int)value;
        if (value > 0) return true;
        problems.Error("MaxLength", "MaxLength = " + Text(value) + " is not positive; it is the " + meaning + ", in bytes");
        return false;
    }

    protected static string TypeName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
}
