import { imagesIn, type SimImage } from "../catalog";
import type { Ec2Action } from "./ec2-action";
import { ec2Errors } from "./ec2-error";
import { readFilters, wildcardMatcher } from "./query-params";
import { el, itemSet, type XmlNode } from "./xml";

export const describeImages: Ec2Action = (params, region, state) => {
  const images = imagesIn(region);
  const ids = params.list("ImageId");
  const missing = ids.filter((id) => !images.some((image) => image.imageId === id));
  if (missing.length > 0) {
    throw ec2Errors.amiNotFound(missing.join(", "));
  }
  const predicates = readFilters(params).map((filter) => {
    const matchers = filter.values.map(wildcardMatcher);
    const field = imageField(filter.name);
    return (image: SimImage) => matchers.some((match) => match(field(image)));
  });
  const selected = images.filter(
    (image) =>
      (ids.length === 0 || ids.includes(image.imageId)) && predicates.every((matches) => matches(image)),
  );
  return [itemSet("imagesSet", selected, (image) => imageXml(image, state.accountId))];
};

function imageField(name: string): (image: SimImage) => string {
  switch (name) {
    case "name":
      return (image) => image.name;
    case "image-id":
      return (image) => image.imageId;
    case "state":
      return () => "available";
    case "architecture":
      return () => "x86_64";
    default:
      throw ec2Errors.invalidParameter(`The filter '${name}' is invalid`);
  }
}

function imageXml(image: SimImage, ownerId: string): XmlNode[] {
  return [
    el("imageId", image.imageId),
    el("imageLocation", `${ownerId}/${image.name}`),
    el("imageState", "available"),
    el("imageOwnerId", ownerId),
    el("creationDate", image.creationDate),
    el("isPublic", false),
    el("architecture", "x86_64"),
    el("imageType", "machine"),
    el("name", image.name),
    el("description", image.description),
    el("rootDeviceType", "ebs"),
    el("rootDeviceName", "/dev/sda1"),
    el("virtualizationType", "hvm"),
    el("hypervisor", "xen"),
    el("enaSupport", true),
    itemSet("tagSet", [["cml-version", image.cmlVersion] as const], ([key, value]) => [
      el("key", key),
      el("value", value),
    ]),
  ];
}
